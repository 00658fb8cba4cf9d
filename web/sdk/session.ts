// Tokens and their refresh. Refreshes are serialized: in this page (one request shared by
// every caller) and across tabs with the Web Locks API where it exists, because Plaza
// revokes a session whose refresh token is presented twice (docs/decisions/0003).

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires (ms since epoch, by this device's clock). */
  expiresAt: number;
}

/** What login, register and refresh answer. */
export interface TokenGrant {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/** Where tokens live between page loads; `subscribe` reports changes made elsewhere (other tabs). */
export interface TokenStore {
  load(): Tokens | null;
  save(tokens: Tokens | null): void;
  subscribe?(fn: () => void): () => void;
}

/** Tokens kept in memory only (tests, servers, short-lived scripts). */
export function memoryTokenStore(): TokenStore {
  let tokens: Tokens | null = null;
  return {
    load: () => tokens,
    save: (t) => {
      tokens = t;
    },
  };
}

/** Tokens kept in localStorage, shared by the tabs of one origin. */
export function localStorageTokenStore(key = "plaza.tokens"): TokenStore {
  return {
    load: () => {
      try {
        const raw = localStorage.getItem(key);
        return raw ? (JSON.parse(raw) as Tokens) : null;
      } catch {
        return null;
      }
    },
    save: (t) => (t ? localStorage.setItem(key, JSON.stringify(t)) : localStorage.removeItem(key)),
    subscribe: (fn) => {
      const onStorage = (e: StorageEvent) => e.key === key && fn();
      addEventListener("storage", onStorage);
      return () => removeEventListener("storage", onStorage);
    },
  };
}

/** Refresh this long before the access token expires (at most half its lifetime). */
const REFRESH_MARGIN_MS = 30_000;

interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

function webLocks(): LockManagerLike | undefined {
  return (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
}

export type RefreshOutcome = "refreshed" | "ended" | "unavailable";

/** One signed-in session: its tokens, their refresh, and who is listening for changes. */
export class Session {
  private inFlight: Promise<RefreshOutcome> | null = null;
  private readonly listeners = new Set<(tokens: Tokens | null) => void>();
  private margin = REFRESH_MARGIN_MS;

  constructor(
    private readonly baseUrl: string,
    private readonly store: TokenStore = memoryTokenStore(),
    private readonly fetchFn: typeof fetch = (...args) => fetch(...args),
  ) {
    store.subscribe?.(() => this.notify(store.load()));
  }

  get tokens(): Tokens | null {
    return this.store.load();
  }

  get signedIn(): boolean {
    return this.store.load() !== null;
  }

  /** Stores tokens from login, register or refresh. */
  setTokens(grant: TokenGrant): void {
    this.margin = Math.min(REFRESH_MARGIN_MS, (grant.expiresIn * 1000) / 2);
    this.save({
      accessToken: grant.accessToken,
      refreshToken: grant.refreshToken,
      expiresAt: Date.now() + grant.expiresIn * 1000,
    });
  }

  /** Forgets the tokens (after logout, or when the server ended the session). */
  clear(): void {
    if (this.store.load() !== null) this.save(null);
  }

  /** Calls `fn` whenever the tokens change (here or in another tab); returns an unsubscribe function. */
  onChange(fn: (tokens: Tokens | null) => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  /**
   * An access token to send, refreshed first when it is about to expire; null only when
   * signed out. When a refresh cannot reach the server the current token is returned (the
   * server says 401 if it is too old, and the next call tries again).
   */
  async accessToken(): Promise<string | null> {
    const tokens = this.store.load();
    if (!tokens) return null;
    if (tokens.expiresAt - Date.now() > this.margin) return tokens.accessToken;
    const outcome = await this.refresh();
    if (outcome === "ended") return null;
    return this.store.load()?.accessToken ?? null;
  }

  /**
   * Exchanges the refresh token for a new pair. Concurrent callers share one request; with
   * Web Locks, other tabs wait and then use the pair this tab stored. "ended": the server
   * refused the refresh token (the tokens are cleared); "unavailable": it could not be asked.
   */
  refresh(): Promise<RefreshOutcome> {
    this.inFlight ??= this.refreshSerialized().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private async refreshSerialized(): Promise<RefreshOutcome> {
    const before = this.store.load()?.refreshToken;
    const run = async (): Promise<RefreshOutcome> => {
      const current = this.store.load();
      if (!current) return "ended";
      // Another tab refreshed while we waited for the lock: its pair is ours too.
      if (current.refreshToken !== before) return "refreshed";
      let res: Response;
      try {
        res = await this.fetchFn(new URL("/v1/auth/refresh", this.baseUrl), {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ refreshToken: current.refreshToken }),
        });
      } catch {
        return "unavailable";
      }
      if (res.status === 400 || res.status === 401) {
        // Spent, revoked or expired: the session is over. (Only if no other tab moved on meanwhile.)
        if (this.store.load()?.refreshToken === current.refreshToken) this.clear();
        return "ended";
      }
      if (!res.ok) return "unavailable"; // 429, 503 while the server restarts...: keep the tokens
      this.setTokens((await res.json()) as TokenGrant);
      return "refreshed";
    };
    const locks = webLocks();
    return locks ? locks.request("plaza.refresh", run) : run();
  }

  private save(tokens: Tokens | null): void {
    this.store.save(tokens);
    this.notify(tokens);
  }

  private notify(tokens: Tokens | null): void {
    for (const fn of [...this.listeners]) fn(tokens);
  }
}

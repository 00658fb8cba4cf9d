// PlazaClient: one object for an app: the session, the typed HTTP API, and the live
// connections (rooms, the inbox, tasks), all sharing the session's tokens.
import type { paths } from "./api.gen";
import { Emitter } from "./emitter";
import type { RoomSettings, User } from "./frames";
import { BookmarkKeeper, bookmarkedFetch } from "./bookmark";
import { authedFetch, createApi, type PlazaApi, unwrap } from "./http";
import { InboxConnection } from "./inbox-connection";
import { PostWatcher } from "./post-watch";
import { ModerationApi } from "./moderation";
import { networkError, toPlazaError } from "./problem";
import { RoomConnection } from "./room-connection";
import { memoryTokenStore, Session, type TokenStore } from "./session";
import { TaskConnection } from "./task-connection";

type ClientHandlers = {
  /** The session ended: logout here or in another tab, or the server refused the tokens. */
  signedOut: () => void;
  signedIn: () => void;
  /** The server refused the session because the account is suspended (`until` null: until lifted); signed out. */
  suspended: (until: string | null) => void;
};

export interface PlazaClientOptions {
  /** Where Plaza is, e.g. "http://127.0.0.1:8787" (in a browser: location.origin). */
  baseUrl: string;
  /** Where tokens are kept (default: memory; browsers: localStorageTokenStore()). */
  tokenStore?: TokenStore;
  fetch?: typeof fetch;
  WebSocket?: typeof WebSocket;
}

type AuthResult = paths["/v1/auth/login"]["post"]["responses"][200]["content"]["application/json"];
type Media = paths["/v1/media"]["post"]["responses"][201]["content"]["application/json"];
type UserSearchResult = paths["/v1/search/users"]["get"]["responses"][200]["content"]["application/json"];
/** What `setRoomSettings` takes: a notify level and an optional mute end (ISO time; null or absent: not muted). */
export type RoomSettingsInput = paths["/v1/rooms/{id}/settings"]["put"]["requestBody"]["content"]["application/json"];

const REACTION_PATH = "/v1/rooms/{id}/messages/{seq}/reactions/{emoji}";

/** Checks the session this often at most while sockets fail to connect (a refused upgrade looks like a network error). */
const SESSION_CHECK_EVERY_FAILURES = 3;

export class PlazaClient extends Emitter<ClientHandlers> {
  readonly session: Session;
  /** The typed HTTP API (openapi-fetch); wrap calls in `unwrap()` to get data or a PlazaError. */
  readonly api: PlazaApi;
  /** Reports, and for moderators and admins: resolutions, suspensions, roles, the audit log. */
  readonly moderation: ModerationApi;
  readonly baseUrl: string;
  /** The newest Plaza-Bookmark this client got; sent with every request (read-your-writes). */
  readonly bookmarks = new BookmarkKeeper();
  private readonly fetchFn: (request: Request) => Promise<Response>;
  private readonly WebSocketImpl: typeof WebSocket | undefined;
  private wasSignedIn: boolean;

  constructor(options: PlazaClientOptions) {
    super();
    this.baseUrl = options.baseUrl.replace(/\/$/, "");
    const rawFetch = options.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
    this.session = new Session(this.baseUrl, options.tokenStore ?? memoryTokenStore(), rawFetch);
    const authed = authedFetch(this.session, rawFetch);
    const bookmarked = bookmarkedFetch(this.bookmarks, this.baseUrl, authed);
    this.fetchFn = async (request) => this.noticeSuspension(await bookmarked(request));
    this.api = createApi(this.baseUrl, this.fetchFn);
    this.moderation = new ModerationApi(this.api);
    this.WebSocketImpl = options.WebSocket;
    this.wasSignedIn = this.session.signedIn;
    this.session.onChange((tokens) => {
      const now = tokens !== null;
      if (now === this.wasSignedIn) return;
      this.wasSignedIn = now;
      this.emit(now ? "signedIn" : "signedOut");
    });
  }

  /** A watcher of live post counters (GET /v1/feed/live); `watch(ids)` then listen to `stats`. */
  watchPosts(): PostWatcher {
    return new PostWatcher(this.baseUrl, this.fetchFn);
  }

  get signedIn(): boolean {
    return this.session.signedIn;
  }

  /** Creates an account and signs in. */
  async register(body: { username: string; password: string; displayName?: string }): Promise<User> {
    const result = await unwrap(this.api.POST("/v1/auth/register", { body }));
    return this.adopt(result);
  }

  /** Signs in. */
  async login(body: { username: string; password: string; deviceId?: string }): Promise<User> {
    const result = await unwrap(this.api.POST("/v1/auth/login", { body }));
    return this.adopt(result);
  }

  /** Ends the session on the server (its sockets close) and forgets the tokens, even offline. */
  async logout(): Promise<void> {
    try {
      if (this.session.signedIn) await unwrap(this.api.POST("/v1/auth/logout"));
    } finally {
      this.session.clear();
    }
  }

  /** Who I am (null when signed out). */
  async me(): Promise<User | null> {
    if (!this.session.signedIn) return null;
    return unwrap(this.api.GET("/v1/me"));
  }

  /** People whose username or display name starts with `q` (case-insensitive), by username. */
  searchUsers(q: string, opts: { limit?: number; cursor?: string } = {}): Promise<UserSearchResult> {
    return unwrap(this.api.GET("/v1/search/users", { params: { query: { q, ...opts } } }));
  }

  /** My notification settings for a room I belong to. */
  roomSettings(roomId: string): Promise<RoomSettings> {
    return unwrap(this.api.GET("/v1/rooms/{id}/settings", { params: { path: { id: roomId } } }));
  }

  /** Replaces my notification settings for a room (push all, only mentions or none; mute until a time). */
  setRoomSettings(roomId: string, settings: RoomSettingsInput): Promise<RoomSettings> {
    return unwrap(this.api.PUT("/v1/rooms/{id}/settings", { params: { path: { id: roomId } }, body: settings }));
  }

  /** Uploads an image (its bytes decide the type) and returns its URL for a post's `images`. */
  async uploadMedia(file: Blob): Promise<Media> {
    let res: Response;
    try {
      res = await this.fetchFn(
        new Request(`${this.baseUrl}/v1/media`, {
          method: "POST",
          headers: { "Content-Type": file.type || "application/octet-stream" },
          body: file,
        }),
      );
    } catch (err) {
      throw networkError(err);
    }
    if (!res.ok) throw await toPlazaError(res);
    return (await res.json()) as Media;
  }

  /** Reacts to message `seq` with `emoji` (one emoji or a `:shortcode:`); idempotent. The room's sockets get a `reaction` frame. */
  async react(roomId: string, seq: number, emoji: string): Promise<void> {
    await unwrap(this.api.PUT(REACTION_PATH, { params: { path: { id: roomId, seq, emoji } } }));
  }

  /** Takes my reaction with `emoji` away from message `seq`; idempotent. */
  async unreact(roomId: string, seq: number, emoji: string): Promise<void> {
    await unwrap(this.api.DELETE(REACTION_PATH, { params: { path: { id: roomId, seq, emoji } } }));
  }

  /** Opens a room's live connection; `since`: the last seq already shown (from history). */
  room(roomId: string, userId: string, since?: number): RoomConnection {
    return new RoomConnection({
      url: this.socketUrl(`/v1/rooms/${encodeURIComponent(roomId)}/ws`),
      roomId,
      userId,
      session: this.session,
      ...(since !== undefined ? { since } : {}),
      ...this.wsOption(),
    });
  }

  /** Opens my inbox socket. */
  inbox(): InboxConnection {
    return new InboxConnection({
      url: this.socketUrl("/v1/inbox/ws"),
      session: this.session,
      onConnectFailed: (failures) => this.checkSessionAfter(failures),
      ...this.wsOption(),
    });
  }

  /** Watches one of my tasks (the whole log, then live events). */
  task(taskId: string): TaskConnection {
    return new TaskConnection({
      url: this.socketUrl(`/v1/tasks/${encodeURIComponent(taskId)}/ws`),
      session: this.session,
      ...this.wsOption(),
    });
  }

  /** The ws: or wss: URL of a socket path. */
  socketUrl(path: string): string {
    const url = new URL(path, this.baseUrl);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url.toString();
  }

  /** A 403 `suspended` on any call ends the session here too, and says so. */
  private async noticeSuspension(res: Response): Promise<Response> {
    if (res.status !== 403 || !this.session.signedIn) return res;
    const problem = (await res
      .clone()
      .json()
      .catch(() => null)) as { code?: unknown; until?: unknown } | null;
    if (problem?.code === "suspended") {
      this.session.clear(); // signedOut first, so the suspension is the last word
      this.emit("suspended", typeof problem.until === "string" ? problem.until : null);
    }
    return res;
  }

  private adopt(result: AuthResult): User {
    this.session.setTokens(result);
    return result.user;
  }

  private wsOption(): { WebSocket?: typeof WebSocket } {
    return this.WebSocketImpl ? { WebSocket: this.WebSocketImpl } : {};
  }

  /**
   * A browser cannot see why an upgrade failed, so after a few failures in a row we ask over
   * HTTP: a 401 there refreshes once and then signs out; a network error changes nothing.
   */
  private checkSessionAfter(failures: number): void {
    if (failures % SESSION_CHECK_EVERY_FAILURES !== 0 || !this.session.signedIn) return;
    this.me().catch(() => undefined);
  }
}

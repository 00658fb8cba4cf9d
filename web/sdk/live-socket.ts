// A Plaza WebSocket that stays connected. partysocket reconnects; before each attempt we
// wait a jittered backoff (backoff.ts), ask the session for a fresh token (sent as the
// `bearer.<token>` subprotocol, never in the URL) and recompute the URL (so resume points
// move forward). A ping every 25 s keeps the server's idle timer (90 s) happy and a silent
// connection is dropped and replaced.
import ReconnectingWebSocket from "partysocket/ws";
import { type BackoffOptions, DEFAULT_BACKOFF, reconnectDelay } from "./backoff";
import type { Session } from "./session";

/** What a person should see: `connecting` (first time), `connected`, `reconnecting`, `offline` (the device has no network), `closed`. */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline" | "closed";

/** The exact ping text: the server answers it without waking the object (src/protocol/protocol.ts PING_FRAME). */
export const PING_FRAME = '{"type":"ping"}';

/** Close codes after which reconnecting cannot help: session ended (4001), access revoked (4003). */
export const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([4001, 4003]);

const PING_EVERY_MS = 25_000;
/** No frame at all (not even a pong) for this long: the connection is dead even if the OS has not noticed. */
const SILENCE_LIMIT_MS = 65_000;

export interface LiveSocketOptions {
  session: Session;
  /** The socket URL (ws: or wss:), computed before every connection attempt. */
  url: () => string;
  onFrame: (frame: Record<string, unknown>) => void;
  onOpen?: () => void;
  onState?: (state: ConnectionState) => void;
  /** The server ended the socket for good (4001 logout, 4003 access revoked, or `isFinal`). */
  onEnded?: (code: number, reason: string) => void;
  /** An attempt failed before the socket opened (`failures` in a row); e.g. check the session. */
  onConnectFailed?: (failures: number) => void;
  /** Extra close codes/reasons that end the socket (e.g. a finished task's 1000). */
  isFinal?: (code: number, reason: string) => boolean;
  backoff?: BackoffOptions;
  /** A WebSocket constructor (Node's global one is used by default). */
  WebSocket?: typeof WebSocket;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One live connection to a Plaza socket endpoint. */
export class LiveSocket {
  private readonly ws: ReconnectingWebSocket;
  private current: ConnectionState = "connecting";
  private readonly detachNetwork: () => void;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private lastFrameAt = Date.now();
  private opened = false;
  private failures = 0;

  constructor(private readonly options: LiveSocketOptions) {
    const backoff = options.backoff ?? DEFAULT_BACKOFF;
    // partysocket's own delay is 0: our jittered one runs inside the URL provider, which
    // partysocket awaits before each attempt (its connect timeout starts after it).
    const url = async () => {
      await sleep(reconnectDelay(this.ws?.retryCount ?? 0, backoff));
      return options.url();
    };
    const protocols = async () => {
      const token = await options.session.accessToken();
      if (!token) {
        queueMicrotask(() => this.end(4001, "signed out"));
        return ["plaza.v1"];
      }
      return ["plaza.v1", `bearer.${token}`];
    };
    this.ws = new ReconnectingWebSocket(url, protocols, {
      ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
      minReconnectionDelay: 0,
      maxReconnectionDelay: 0,
      connectionTimeout: 10_000,
      minUptime: 5_000,
      // Unsent frames are the caller's business (the room outbox), not a blind queue.
      maxEnqueuedMessages: 0,
      // Called with the original close event (the listeners get a clone whose fields
      // partysocket does not always copy), so the decision to stop is taken here.
      shouldReconnectOnClose: (event: { code: number; reason: string }) => {
        const final = FINAL_CLOSE_CODES.has(event.code) || (options.isFinal?.(event.code, event.reason) ?? false);
        if (final) queueMicrotask(() => this.end(event.code, event.reason));
        return !final;
      },
    });
    this.ws.addEventListener("open", () => {
      this.opened = true;
      this.failures = 0;
      this.lastFrameAt = Date.now();
      this.setState("connected");
      this.startHeartbeat();
      options.onOpen?.();
    });
    this.ws.addEventListener("message", (event: MessageEvent) => {
      this.lastFrameAt = Date.now();
      if (typeof event.data !== "string") return;
      let frame: unknown;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return; // not ours to handle
      }
      if (typeof frame === "object" && frame !== null) options.onFrame(frame as Record<string, unknown>);
    });
    this.ws.addEventListener("close", () => {
      this.stopHeartbeat();
      if (this.current === "closed") return;
      if (!this.opened) options.onConnectFailed?.(++this.failures);
      this.opened = false;
      this.setState(isOffline() ? "offline" : "reconnecting");
    });
    this.detachNetwork = watchNetwork((online) => {
      if (this.current === "closed") return;
      if (!online) this.setState("offline");
      else if (this.current !== "connected") this.ws.reconnect(); // at once, not after the backoff
    });
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** Sends a frame if connected; returns false otherwise (nothing is queued). */
  send(frame: unknown): boolean {
    if (this.current === "closed" || this.ws.readyState !== this.ws.OPEN) return false;
    return this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Drops the connection and connects again at once (resets the backoff). */
  reconnect(): void {
    if (this.current !== "closed") this.ws.reconnect();
  }

  /** Closes for good. */
  close(): void {
    this.end(1000, "closed by client");
  }

  private end(code: number, reason: string): void {
    if (this.current === "closed") return;
    this.setState("closed");
    this.stopHeartbeat();
    this.detachNetwork();
    this.ws.close(1000, "bye");
    if (code !== 1000 || reason !== "closed by client") this.options.onEnded?.(code, reason);
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => {
      if (Date.now() - this.lastFrameAt > SILENCE_LIMIT_MS) return this.reconnect();
      this.send(PING_FRAME);
    }, PING_EVERY_MS);
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private setState(state: ConnectionState): void {
    if (state === this.current) return;
    this.current = state;
    this.options.onState?.(state);
  }
}

function isOffline(): boolean {
  return (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine === false;
}

/** Calls `fn` on the browser's online/offline events; a no-op elsewhere. */
function watchNetwork(fn: (online: boolean) => void): () => void {
  const target = globalThis as {
    addEventListener?: (t: string, f: () => void) => void;
    removeEventListener?: (t: string, f: () => void) => void;
  };
  if (
    typeof target.addEventListener !== "function" ||
    typeof (globalThis as { window?: unknown }).window === "undefined"
  )
    return () => {};
  const on = () => fn(true);
  const off = () => fn(false);
  target.addEventListener("online", on);
  target.addEventListener("offline", off);
  return () => {
    target.removeEventListener?.("online", on);
    target.removeEventListener?.("offline", off);
  };
}

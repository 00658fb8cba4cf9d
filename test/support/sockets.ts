// WebSocket helpers for integration tests: open a socket through the real Worker, then
// await frames in order.
import { call } from "./api";

export type Frame = { type: string } & Record<string, unknown>;

export interface TestSocket {
  ws: WebSocket;
  /** The subprotocol the server selected. */
  protocol: string | null;
  /** Resolves with the next frame (matching `predicate`, skipping others), or rejects after `timeoutMs`. */
  next(predicate?: (frame: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  /** Every frame received so far, in order. */
  received: Frame[];
  send(frame: unknown): void;
  closed: Promise<{ code: number; reason: string }>;
  close(code?: number): void;
}

export interface UpgradeOptions {
  token?: string;
  origin?: string;
  protocols?: string[];
}

/** Sends an upgrade request and returns the raw response (101 or a problem). */
export function upgrade(path: string, options: UpgradeOptions = {}): Promise<Response> {
  const protocols = options.protocols ?? ["plaza.v1", ...(options.token ? [`bearer.${options.token}`] : [])];
  const headers: Record<string, string> = { Upgrade: "websocket", "Sec-WebSocket-Protocol": protocols.join(", ") };
  if (options.origin) headers.Origin = options.origin;
  return call(path, { headers });
}

/** Opens a socket and starts collecting its frames. Throws if the upgrade is refused. */
export async function openSocket(path: string, options: UpgradeOptions = {}): Promise<TestSocket> {
  const res = await upgrade(path, options);
  const ws = res.webSocket;
  if (res.status !== 101 || !ws) throw new Error(`upgrade refused: ${res.status} ${await res.text()}`);
  ws.accept();
  const received: Frame[] = [];
  let cursor = 0;
  const waiters: (() => void)[] = [];
  let resolveClosed!: (value: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((r) => (resolveClosed = r));
  ws.addEventListener("message", (event) => {
    received.push(JSON.parse(event.data as string) as Frame);
    waiters.splice(0).forEach((wake) => wake());
  });
  ws.addEventListener("close", (event) => {
    resolveClosed({ code: event.code, reason: event.reason });
    waiters.splice(0).forEach((wake) => wake());
  });

  async function next(predicate: (frame: Frame) => boolean = () => true, timeoutMs = 5_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (cursor < received.length) {
        const frame = received[cursor++]!;
        if (predicate(frame)) return frame;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(received)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  return {
    ws,
    protocol: res.headers.get("Sec-WebSocket-Protocol"),
    next,
    received,
    send: (frame) => ws.send(typeof frame === "string" ? frame : JSON.stringify(frame)),
    closed,
    close: (code = 1000) => ws.close(code, "test done"),
  };
}

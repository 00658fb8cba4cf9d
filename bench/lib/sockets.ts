// WebSocket clients for benchmarks (the `ws` package): open one or many with Plaza's
// subprotocols, receive frames through a callback, prove sockets are held with a round trip,
// and close them all. Every wait is bounded.
import WebSocket from "ws";

export interface BenchSocket {
  ws: WebSocket;
  send(text: string): void;
  /** Resolves with the close code. */
  closed: Promise<number>;
}

export interface SocketOptions {
  /** Plaza's subprotocols with this access token. */
  token?: string;
  onMessage?: (text: string) => void;
  timeoutMs?: number;
}

/** Opens a socket to `url` (an http(s) URL is turned into ws(s)); rejects after `timeoutMs`. */
export function openSocket(url: string, options: SocketOptions = {}): Promise<BenchSocket> {
  const protocols = options.token ? ["plaza.v1", `bearer.${options.token}`] : [];
  const ws = new WebSocket(url.replace(/^http/, "ws"), protocols, { perMessageDeflate: false });
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  if (options.onMessage) {
    const onMessage = options.onMessage;
    ws.on("message", (data, isBinary) => onMessage(isBinary ? "" : data.toString()));
  }
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`socket ${url} did not open`)), options.timeoutMs ?? 15_000);
    ws.once("open", () => {
      clearTimeout(timer);
      resolve({ ws, send: (text) => ws.send(text), closed });
    });
    ws.once("error", fail);
    ws.once("unexpected-response", (_req, res) => fail(new Error(`upgrade refused: ${res.statusCode}`)));
  });
}

export interface OpenMany {
  sockets: BenchSocket[];
  failed: number;
  /** Why the first few that did not open failed. */
  failures: string[];
}

/** Opens one socket per `(url, options)` pair, `concurrency` at a time; failures are counted, not thrown. */
export async function openSockets(
  specs: readonly { url: string; options?: SocketOptions }[],
  concurrency = 64,
): Promise<OpenMany> {
  const result: OpenMany = { sockets: [], failed: 0, failures: [] };
  let next = 0;
  const worker = async () => {
    while (next < specs.length) {
      const spec = specs[next++]!;
      try {
        result.sockets.push(await openSocket(spec.url, spec.options));
      } catch (err) {
        result.failed++;
        if (result.failures.length < 5) result.failures.push(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, worker));
  return result;
}

/** Sends `frame` on every open socket; resolves with how many answered `answer` within `timeoutMs`. */
export async function roundTripAll(
  sockets: readonly BenchSocket[],
  frame: string,
  answer: string,
  timeoutMs = 15_000,
): Promise<number> {
  const answered = await Promise.all(
    sockets.map(
      ({ ws }) =>
        new Promise<boolean>((resolve) => {
          if (ws.readyState !== WebSocket.OPEN) return resolve(false);
          const timer = setTimeout(() => done(false), timeoutMs);
          const onMessage = (data: WebSocket.RawData) => data.toString() === answer && done(true);
          const done = (ok: boolean) => {
            clearTimeout(timer);
            ws.off("message", onMessage);
            resolve(ok);
          };
          ws.on("message", onMessage);
          ws.send(frame);
        }),
    ),
  );
  return answered.filter(Boolean).length;
}

/** How many of `sockets` are still open. */
export const openCount = (sockets: readonly BenchSocket[]) =>
  sockets.filter((s) => s.ws.readyState === WebSocket.OPEN).length;

/** Closes every socket (1000) and waits (bounded) for the closes; stragglers are terminated. */
export async function closeAll(sockets: readonly BenchSocket[], timeoutMs = 10_000): Promise<void> {
  for (const s of sockets)
    if (s.ws.readyState === WebSocket.OPEN || s.ws.readyState === WebSocket.CONNECTING) s.ws.close(1000, "bench done");
  await Promise.race([Promise.all(sockets.map((s) => s.closed)), new Promise((r) => setTimeout(r, timeoutMs))]);
  for (const s of sockets) if (s.ws.readyState !== WebSocket.CLOSED) s.ws.terminate();
}

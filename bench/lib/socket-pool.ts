// Many WebSocket clients from one process: open them with bounded concurrency, check each is
// alive with a request/answer frame, close them. Every wait is bounded.
import WebSocket from "ws";

export interface SocketSpec {
  url: string;
  protocols: string[];
}

export interface OpenResult {
  sockets: WebSocket[];
  /** Why the ones that did not open failed (first few). */
  failures: string[];
  failed: number;
}

function openOne(spec: SocketSpec, timeoutMs: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(spec.url, spec.protocols, { handshakeTimeout: timeoutMs });
    ws.once("open", () => resolve(ws));
    ws.once("error", (err) => reject(err));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
}

/** Opens one socket per spec, `concurrency` at a time. */
export async function openSockets(specs: SocketSpec[], concurrency = 64, timeoutMs = 15_000): Promise<OpenResult> {
  const result: OpenResult = { sockets: [], failures: [], failed: 0 };
  let next = 0;
  const worker = async () => {
    while (next < specs.length) {
      const spec = specs[next++]!;
      try {
        result.sockets.push(await openOne(spec, timeoutMs));
      } catch (err) {
        result.failed++;
        if (result.failures.length < 5) result.failures.push(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, worker));
  return result;
}

/** Sends `frame` on every open socket; resolves with how many answered with `answer` within `timeoutMs`. */
export async function roundTripAll(sockets: WebSocket[], frame: string, answer: string, timeoutMs = 15_000): Promise<number> {
  const answered = await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<boolean>((resolve) => {
          if (ws.readyState !== WebSocket.OPEN) return resolve(false);
          const timer = setTimeout(() => done(false), timeoutMs);
          const onMessage = (data: WebSocket.RawData) => {
            if (data.toString() === answer) done(true);
          };
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
export const openCount = (sockets: WebSocket[]) => sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length;

/** Closes every socket (1000) and waits for the closes, at most `timeoutMs`. */
export async function closeAll(sockets: WebSocket[], timeoutMs = 10_000): Promise<void> {
  await Promise.race([
    Promise.all(
      sockets.map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === WebSocket.CLOSED) return resolve();
            ws.once("close", () => resolve());
            ws.close(1000);
          }),
      ),
    ),
    new Promise((r) => setTimeout(r, timeoutMs)),
  ]);
  for (const ws of sockets) if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
}

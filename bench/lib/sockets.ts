// WebSocket clients for benchmarks (the `ws` package): open with Plaza's subprotocols,
// collect frames through a callback, and close everything at the end.
import WebSocket from "ws";

export interface BenchSocket {
  ws: WebSocket;
  send(text: string): void;
  closed: Promise<number>;
}

/** Opens a socket to `url` (http(s) base is turned into ws(s)); rejects after `timeoutMs`. */
export function openSocket(
  url: string,
  options: { token?: string; onMessage?: (text: string) => void; timeoutMs?: number } = {},
): Promise<BenchSocket> {
  const protocols = options.token ? ["plaza.v1", `bearer.${options.token}`] : [];
  const ws = new WebSocket(url.replace(/^http/, "ws"), protocols, { perMessageDeflate: false });
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  if (options.onMessage) {
    const onMessage = options.onMessage;
    ws.on("message", (data, isBinary) => onMessage(isBinary ? "" : data.toString()));
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`socket ${url} did not open`));
    }, options.timeoutMs ?? 15_000);
    ws.once("open", () => {
      clearTimeout(timer);
      resolve({ ws, send: (text) => ws.send(text), closed });
    });
    ws.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    ws.once("unexpected-response", (_req, res) => {
      clearTimeout(timer);
      reject(new Error(`upgrade refused: ${res.statusCode}`));
    });
  });
}

/** Closes every socket and waits (bounded) for them to finish closing. */
export async function closeAll(sockets: readonly BenchSocket[], timeoutMs = 5_000): Promise<void> {
  for (const s of sockets) s.ws.close(1000, "bench done");
  await Promise.race([Promise.all(sockets.map((s) => s.closed)), new Promise((r) => setTimeout(r, timeoutMs))]);
  for (const s of sockets) if (s.ws.readyState !== WebSocket.CLOSED) s.ws.terminate();
}

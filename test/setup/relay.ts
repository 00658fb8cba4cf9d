// A reverse relay for tests: inside vitest the Worker listens on no port, so a backend's
// callbacks to PUBLIC_URL land here and wait until a test (in workerd) takes them, replays
// them through the real Worker and posts the Worker's answer back. Bytes pass unchanged.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

export interface RelayedRequest {
  id: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  bodyBase64: string;
}

interface Pending {
  request: RelayedRequest;
  res: ServerResponse;
  taken: boolean;
  timer: NodeJS.Timeout;
}

interface Waiter {
  match: string[];
  res: ServerResponse;
  timer: NodeJS.Timeout;
}

const FORWARDED_HEADERS = ["authorization", "content-type", "accept"];
const HOLD_MS = 15_000;

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Starts the relay on a free loopback port. */
export function startRelay(): Promise<{ url: string; close: () => Promise<void> }> {
  const pending = new Map<string, Pending>();
  const waiters: Waiter[] = [];
  let counter = 0;

  const matches = (w: Waiter, p: Pending) => !p.taken && w.match.some((m) => m && p.request.path.includes(m));
  const hand = (w: Waiter, p: Pending) => {
    p.taken = true;
    clearTimeout(w.timer);
    waiters.splice(waiters.indexOf(w), 1);
    w.res.writeHead(200, { "Content-Type": "application/json" });
    w.res.end(JSON.stringify(p.request));
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://relay");
    if (req.method === "GET" && url.pathname === "/__relay/next") {
      const waiter: Waiter = {
        match: (url.searchParams.get("match") ?? "").split(","),
        res,
        timer: setTimeout(
          () => {
            waiters.splice(waiters.indexOf(waiter), 1);
            res.writeHead(204).end();
          },
          Math.min(Number(url.searchParams.get("wait") ?? 500), 5_000),
        ),
      };
      waiters.push(waiter);
      const ready = [...pending.values()].find((p) => matches(waiter, p));
      if (ready) hand(waiter, ready);
      return;
    }
    const answer = /^\/__relay\/answer\/(\d+)$/.exec(url.pathname);
    if (req.method === "POST" && answer?.[1]) {
      const body = JSON.parse((await readAll(req)).toString("utf8")) as {
        status: number;
        headers: Record<string, string>;
        bodyBase64: string;
      };
      const p = pending.get(answer[1]);
      if (p) {
        pending.delete(answer[1]);
        clearTimeout(p.timer);
        p.res.writeHead(body.status, body.headers);
        p.res.end(Buffer.from(body.bodyBase64, "base64"));
      }
      res.writeHead(204).end();
      return;
    }
    const id = String(++counter);
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_HEADERS) {
      const value = req.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    const request: RelayedRequest = {
      id,
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers,
      bodyBase64: (await readAll(req)).toString("base64"),
    };
    const p: Pending = {
      request,
      res,
      taken: false,
      timer: setTimeout(() => {
        pending.delete(id);
        res.writeHead(504).end();
      }, HOLD_MS),
    };
    pending.set(id, p);
    const waiter = waiters.find((w) => matches(w, p));
    if (waiter) hand(waiter, p);
  });

  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

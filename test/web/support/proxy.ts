// A TCP proxy in front of Plaza that a test can break: `cut()` drops every connection and
// refuses new ones until `restore()`; `muteDownstream()` swallows what the server sends
// (e.g. an ack) while the client's frames still arrive. Network faults, not a fake server.
import { createServer, type Server, type Socket } from "node:net";
import { once } from "node:events";

export interface FaultyProxy {
  url: string;
  cut(): void;
  restore(): void;
  muteDownstream(): void;
  close(): Promise<void>;
}

/** Proxies 127.0.0.1:<free port> to `target` (an http://host:port URL). */
export async function faultyProxy(target: string): Promise<FaultyProxy> {
  const { hostname, port } = new URL(target);
  const pairs = new Set<[Socket, Socket]>();
  let down = false;
  let muted = false;
  const server: Server = createServer((client) => {
    if (down) return void client.destroy();
    const upstream = new (client.constructor as typeof Socket)();
    upstream.connect(Number(port), hostname);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.on("data", (chunk) => upstream.write(chunk));
    upstream.on("data", (chunk) => muted || client.write(chunk));
    const drop = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on("close", drop).on("error", drop);
    upstream.on("close", drop).on("error", drop);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no proxy port");
  const cut = () => {
    down = true;
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut,
    restore() {
      down = false;
      muted = false;
    },
    muteDownstream() {
      muted = true;
    },
    async close() {
      cut();
      await new Promise((r) => server.close(r));
    },
  };
}

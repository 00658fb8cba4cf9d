// Starts and stops a Node room baseline (ws-server.ts, socketio-server.ts) as a child process
// of the benchmark: its own process, like Plaza's workerd, so the load generator and the room
// server never share an event loop, and its memory is measured on its own pid. The server
// binds 127.0.0.1 on a free port and announces it on its first stdout line. Every wait is bounded.
import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { sleep } from "../stats.ts";

export type NodeRoomKind = "socketio" | "ws";

export interface NodeRoomServer {
  kind: NodeRoomKind;
  /** http://127.0.0.1:<port> */
  url: string;
  pid: number | undefined;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const SCRIPTS: Record<NodeRoomKind, string> = {
  socketio: path.join(here, "socketio-server.ts"),
  ws: path.join(here, "ws-server.ts"),
};

/** Starts the `kind` baseline; resolves once it listens (rejects after 15 s). */
export async function startNodeRoomServer(kind: NodeRoomKind): Promise<NodeRoomServer> {
  const child = spawn(process.execPath, [SCRIPTS[kind]], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (!alive()) return;
    child.kill("SIGTERM");
    if (!(await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]))) {
      child.kill("SIGKILL");
      await Promise.race([exited, sleep(5_000)]);
    }
  };
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ${kind} baseline did not start`)), 15_000);
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => {
      clearTimeout(timer);
      const port = (JSON.parse(line) as { port?: unknown }).port;
      if (typeof port === "number") resolve(port);
      else reject(new Error(`the ${kind} baseline announced ${line}`));
    });
    void exited.then(() => reject(new Error(`the ${kind} baseline exited with ${child.exitCode}`)));
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { kind, url: `http://127.0.0.1:${port}`, pid: child.pid, stop };
}

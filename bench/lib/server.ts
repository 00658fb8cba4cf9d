// Starting and stopping a local `npm start` from a benchmark: on a free port, in its own
// process group (so a stop reaches wrangler and workerd too), with output in a log file.
import { type ChildProcess, spawn } from "node:child_process";
import { openSync } from "node:fs";
import { createServer } from "node:net";
import { sleep } from "./stats.ts";

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface LocalServer {
  base: string;
  child: ChildProcess;
}

/** Runs `npm start` with PORT=`port` and waits (bounded) until /healthz answers. */
export async function startServer(cwd: string, port: number, logFile: string, env: Record<string, string> = {}): Promise<LocalServer> {
  const log = openSync(logFile, "a");
  const child = spawn("npm", ["start"], {
    cwd,
    env: { ...process.env, ...env, PORT: String(port) },
    detached: true,
    stdio: ["ignore", log, log],
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}; see ${logFile}`);
    try {
      if ((await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok) return { base, child };
    } catch {
      // not listening yet
    }
    await sleep(500);
  }
  stopServer({ base, child }, "SIGKILL");
  throw new Error(`Plaza did not start within 120 s; see ${logFile}`);
}

/** Signals the server's whole process group and waits (bounded) for it to exit. */
export async function stopServer(server: LocalServer, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (server.child.pid === undefined || server.child.exitCode !== null) return;
  try {
    process.kill(-server.child.pid, signal);
  } catch {
    return; // already gone
  }
  for (let i = 0; i < 100 && server.child.exitCode === null && server.child.signalCode === null; i++) await sleep(100);
}

// Reference GPU backends as child processes for benchmarks (on free ports), and their own
// load statistics.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import type { Stats } from "../../gpu-backend/stats.ts";
import { root } from "./plaza.ts";
import { freePort } from "./server.ts";

/** What a reference backend reports at /stats (its own type). */
export type BackendStats = Stats;

export interface RunningBackend {
  url: string;
  child: ChildProcess;
}

/** Starts `count` reference backends and waits until each answers /health. */
export async function startBackends(count: number, tokenMs: number): Promise<RunningBackend[]> {
  const out: RunningBackend[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [path.join(root, "gpu-backend/server.ts"), "--port", String(port), "--token-ms", String(tokenMs)],
      { stdio: "ignore" },
    );
    // A port already taken would let another server answer for this one: fail instead.
    child.on("exit", (code) => {
      if (code !== 0 && code !== null) console.error(`backend on port ${port} exited with ${code} (port in use?)`);
    });
    out.push({ url: `http://127.0.0.1:${port}`, child });
  }
  const deadline = Date.now() + 15_000;
  for (const b of out) {
    for (;;) {
      if (b.child.exitCode !== null) throw new Error(`backend ${b.url} could not start (port in use?)`);
      try {
        if ((await fetch(`${b.url}/health`)).ok) break;
      } catch {
        // not yet listening
      }
      if (Date.now() > deadline) throw new Error(`backend ${b.url} did not start`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return out;
}

export async function backendStats(url: string): Promise<BackendStats> {
  return (await (await fetch(`${url}/stats`)).json()) as BackendStats;
}

export async function resetStats(url: string): Promise<void> {
  await fetch(`${url}/stats/reset`, { method: "POST" });
}

export function stopBackends(backends: RunningBackend[]): void {
  for (const b of backends) b.child.kill("SIGTERM");
}

// Reference GPU backends as child processes for benchmarks (ports from BENCH_BACKEND_PORT,
// default 8813), and their own load statistics.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { root } from "./plaza.ts";

export interface BackendStats {
  inFlight: number;
  maxInFlight: number;
  started: number;
  completed: number;
  failed: number;
  canceled: number;
  duplicateJobs: number;
}

export interface RunningBackend {
  url: string;
  child: ChildProcess;
}

/** Starts `count` reference backends and waits until each answers /health. */
export async function startBackends(count: number, basePort: number, tokenMs: number): Promise<RunningBackend[]> {
  const out: RunningBackend[] = [];
  for (let i = 0; i < count; i++) {
    const port = basePort + i;
    const taken = await fetch(`http://127.0.0.1:${port}/health`).then(() => true, () => false);
    if (taken) throw new Error(`port ${port} is already in use; set BENCH_BACKEND_PORT`);
    const child = spawn(process.execPath, [path.join(root, "gpu-backend/server.ts"), "--port", String(port), "--token-ms", String(tokenMs)], { stdio: "ignore" });
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

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
    const child = spawn(process.execPath, [path.join(root, "gpu-backend/server.ts"), "--port", String(port), "--token-ms", String(tokenMs)], { stdio: "ignore" });
    out.push({ url: `http://127.0.0.1:${port}`, child });
  }
  const deadline = Date.now() + 15_000;
  for (const b of out) {
    for (;;) {
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

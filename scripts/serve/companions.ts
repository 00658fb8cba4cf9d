// Companions: processes that run beside the server and stop with it (the reference GPU
// backend, a web client watcher). Add one entry to COMPANIONS; the server starts each once
// Plaza is ready, prefixes its output with its name, and stops it on shutdown.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { root } from "../lib/paths.ts";
import type { ServeLog } from "./log.ts";

export interface CompanionSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** What `npm start` runs beside Plaza. */
export function companionsFor(options: { gpuBackendPort: number }): CompanionSpec[] {
  return [
    // The reference GPU backend; serve mode points BACKENDS' 127.0.0.1:8788 entries at this port.
    {
      name: "gpu",
      command: process.execPath,
      args: ["gpu-backend/server.ts", "--port", String(options.gpuBackendPort)],
    },
  ];
}

export interface RunningCompanions {
  /** SIGTERM to each, SIGKILL to any still running after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

function pipeLines(child: ChildProcess, name: string, log: ServeLog): void {
  for (const [stream, level] of [
    [child.stdout, "info"],
    [child.stderr, "warn"],
  ] as const) {
    if (stream) createInterface({ input: stream }).on("line", (line) => log.write(level, name, line));
  }
}

/** Starts `specs`; a companion that exits on its own is logged, not restarted. */
export function startCompanions(specs: CompanionSpec[], log: ServeLog): RunningCompanions {
  const children = specs.map((spec) => {
    const child = spawn(spec.command, spec.args, {
      cwd: root,
      env: { ...process.env, ...spec.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    pipeLines(child, spec.name, log);
    const exited = new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.once("error", () => resolve());
    });
    child.once("exit", (code, signal) => log.info("companion exited", { companion: spec.name, code, signal }));
    child.once("error", (err) => log.error("companion failed to start", { companion: spec.name, error: err.message }));
    log.info("companion started", { companion: spec.name, pid: child.pid });
    return { child, exited };
  });
  return {
    async stop(graceMs = 5_000) {
      await Promise.all(
        children.map(async ({ child, exited }) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
          await exited;
          clearTimeout(timer);
        }),
      );
    },
  };
}

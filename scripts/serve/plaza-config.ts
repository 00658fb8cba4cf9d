// wrangler.toml as serve mode needs it, derived by wrangler's own config-to-Miniflare helpers
// (one config, not two): bindings, queue consumers with their batch settings and dead-letter
// queues, assets, Durable Object classes, rate limiters, crons, and the .dev.vars secrets.
// wrangler is a large module, so a short-lived process reads it (read-wrangler-config.ts) and
// neither the launcher nor the server keeps it in memory.
import { spawn } from "node:child_process";
import path from "node:path";
import type { V4WorkerOptionsShape } from "miniflare";
import { root } from "../lib/paths.ts";
import type { StaticRouting } from "./worker-first-routes.ts";

// wrangler's helper returns Miniflare worker options without a script; these are the fields we touch.
export type WorkerOptions = Omit<V4WorkerOptionsShape, "modulesRules"> &
  Pick<V4WorkerOptionsShape, "bindings" | "ratelimits" | "serviceBindings"> & { modulesRules?: unknown };
export type RateLimits = NonNullable<V4WorkerOptionsShape["ratelimits"]>;

/** What serve mode needs to know from wrangler.toml. */
export interface PlazaConfig {
  name: string;
  crons: string[];
  /** The Worker's [vars] as declared. */
  vars: Record<string, unknown>;
  /** Queue producer binding names. */
  queues: string[];
  /** Carries the secrets from .dev.vars: passed between processes over IPC only, never argv. */
  workerOptions: WorkerOptions;
  /** The assets router's rules from run_worker_first; undefined without [assets]. */
  staticRouting: StaticRouting | undefined;
}

/** Reads the config in a child process (wrangler prints to stdout, so the result comes over IPC). */
export function loadPlazaConfig(): Promise<PlazaConfig> {
  const child = spawn(process.execPath, [path.join(root, "scripts/serve/read-wrangler-config.ts")], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    serialization: "advanced",
  });
  const output: Buffer[] = [];
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk));
  return new Promise((resolve, reject) => {
    let config: PlazaConfig | undefined;
    child.once("message", (message: PlazaConfig) => (config = message));
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code === 0 && config) resolve(config);
      else
        reject(new Error(`reading wrangler.toml failed (${code}):\n${Buffer.concat(output).toString("utf8").trim()}`));
    });
  });
}

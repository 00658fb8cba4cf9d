// wrangler.toml -> Miniflare options, through wrangler's own helpers (one config, not two):
// the same bindings, queue settings, assets, Durable Object classes and .dev.vars secrets
// that `wrangler dev` uses, and the same state directory, so both see the same data.
import path from "node:path";
import { convertV4MiniflareOptions, type MiniflareOptions, type V4WorkerOptionsShape } from "miniflare";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from "wrangler";
import { z } from "zod";
import { root } from "../lib/paths.ts";
import type { LogLevel, ServeLog } from "./log.ts";
import { MiniflareLogAdapter } from "./miniflare-log.ts";
import type { RateLimitSetting, ServeOptions } from "./options.ts";

/** The service binding through which the serve script reaches ServeControl (never in wrangler.toml). */
export const CONTROL_BINDING = "PLAZA_SERVE_CONTROL";

// wrangler's helper returns Miniflare worker options without a script; these are the fields we touch.
type WorkerOptions = Omit<V4WorkerOptionsShape, "modulesRules"> &
  Pick<V4WorkerOptionsShape, "bindings" | "ratelimits" | "serviceBindings"> & { modulesRules?: unknown };
type RateLimits = NonNullable<V4WorkerOptionsShape["ratelimits"]>;

// The part of wrangler's resolved config serve mode reads (wrangler ships no types for it).
const ConfigSubset = z.object({
  name: z.string().min(1),
  triggers: z.object({ crons: z.array(z.string()).default([]) }),
  vars: z.record(z.string(), z.unknown()).default({}),
  queues: z.object({ producers: z.array(z.object({ binding: z.string() })).default([]) }),
});

/** What serve mode needs to know from wrangler.toml. */
export interface PlazaConfig {
  name: string;
  crons: string[];
  /** The Worker's [vars] as declared. */
  vars: Record<string, unknown>;
  /** Queue producer binding names. */
  queues: string[];
  workerOptions: WorkerOptions;
}

/** Reads wrangler.toml (and .dev.vars, which wrangler loads for the required secrets). */
export function readPlazaConfig(): PlazaConfig {
  const config: unknown = unstable_readConfig({ config: path.join(root, "wrangler.toml") }, { hideWarnings: true });
  const { workerOptions } = unstable_getMiniflareWorkerOptions(config as Parameters<typeof unstable_getMiniflareWorkerOptions>[0]) as {
    workerOptions: WorkerOptions;
  };
  const subset = ConfigSubset.parse(config);
  return {
    name: subset.name,
    crons: subset.triggers.crons,
    vars: subset.vars,
    queues: subset.queues.producers.map((p) => p.binding),
    workerOptions,
  };
}

function overrideVars(config: PlazaConfig, vars: Record<string, string>): Record<string, string> {
  const unknown = Object.keys(vars).filter((name) => !(name in config.vars));
  if (unknown.length > 0) {
    throw new Error(`unknown var ${unknown.join(", ")}: wrangler.toml [vars] has ${Object.keys(config.vars).join(", ")}`);
  }
  return vars;
}

function overrideRateLimits(declared: RateLimits, overrides: Record<string, RateLimitSetting>): RateLimits {
  const unknown = Object.keys(overrides).filter((name) => !(name in declared));
  if (unknown.length > 0) {
    throw new Error(`unknown rate limiter ${unknown.join(", ")}: wrangler.toml has ${Object.keys(declared).join(", ")}`);
  }
  return Object.fromEntries(
    Object.entries(declared).map(([name, limiter]) => [name, overrides[name] ? { ...limiter, simple: overrides[name] } : limiter]),
  );
}

/** Miniflare options for serving `bundle` with `options`; `logLevel` is the effective level. */
export function buildMiniflareOptions(
  config: PlazaConfig,
  options: ServeOptions,
  bundle: string,
  logLevel: LogLevel,
  log: ServeLog,
): MiniflareOptions {
  // Module rules describe how to bundle; the bundle is built already (one ES module).
  const { modulesRules: _rules, ...worker } = config.workerOptions;
  const bindings = worker.bindings ?? {};
  return convertV4MiniflareOptions({
    host: options.host,
    port: options.port,
    rootPath: root,
    // wrangler dev's layout: <persist-to>/v3/{d1,kv,r2,do,...}.
    resourcePersistencePath: path.join(options.persistTo, "v3"),
    resourceTmpPath: path.join(root, ".wrangler", "tmp"),
    // The placeholder request.cf; fetching the real one needs the internet.
    cf: false,
    // The Worker logs each request itself (one line, with user and request id).
    logRequests: false,
    log: new MiniflareLogAdapter(log),
    handleStructuredLogs: (entry) => log.runtime(entry),
    workers: [
      {
        ...worker,
        name: config.name,
        modules: true,
        scriptPath: bundle,
        modulesRoot: path.dirname(bundle),
        bindings: { ...bindings, ...overrideVars(config, options.vars), LOG_LEVEL: logLevel },
        ratelimits: overrideRateLimits(worker.ratelimits ?? {}, options.rateLimits),
        serviceBindings: { ...worker.serviceBindings, [CONTROL_BINDING]: { name: config.name, entrypoint: "ServeControl" } },
      },
    ],
  });
}

// Miniflare options for serving Plaza: the worker options wrangler derived from wrangler.toml
// (plaza-config.ts), the bundle, the overrides from the command line, and wrangler dev's
// state layout (<persist-to>/v3), so `npm start` and `wrangler dev` see the same data.
import path from "node:path";
import { convertV4MiniflareOptions, type MiniflareOptions } from "miniflare";
import { root } from "../lib/paths.ts";
import type { LogLevel, ServeLog } from "./log.ts";
import { cronTriggerWorker } from "./cron-trigger.ts";
import { derivedVars } from "./local-urls.ts";
import { MiniflareLogAdapter } from "./miniflare-log.ts";
import type { RateLimitSetting, ServeOptions } from "./options.ts";
import type { PlazaConfig, RateLimits } from "./plaza-config.ts";
import { workerFirstRoutes } from "./worker-first-routes.ts";

/** The service binding through which the serve script reaches ServeControl (never in wrangler.toml). */
export const CONTROL_BINDING = "PLAZA_SERVE_CONTROL";

function overrideVars(config: PlazaConfig, vars: Record<string, string>): Record<string, string> {
  const unknown = Object.keys(vars).filter((name) => !(name in config.vars));
  if (unknown.length > 0) {
    throw new Error(
      `unknown var ${unknown.join(", ")}: wrangler.toml [vars] has ${Object.keys(config.vars).join(", ")}`,
    );
  }
  return vars;
}

function overrideRateLimits(declared: RateLimits, overrides: Record<string, RateLimitSetting>): RateLimits {
  const unknown = Object.keys(overrides).filter((name) => !(name in declared));
  if (unknown.length > 0) {
    throw new Error(
      `unknown rate limiter ${unknown.join(", ")}: wrangler.toml has ${Object.keys(declared).join(", ")}`,
    );
  }
  return Object.fromEntries(
    Object.entries(declared).map(([name, limiter]) => [
      name,
      overrides[name] ? { ...limiter, simple: overrides[name] } : limiter,
    ]),
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
    ...(process.env.PLAZA_INSPECTOR_PORT ? { inspectorPort: Number(process.env.PLAZA_INSPECTOR_PORT) } : {}),
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
        // Vars that follow where it listens (ALLOWED_ORIGINS, PUBLIC_URL, BACKENDS), then --var.
        bindings: {
          ...bindings,
          ...derivedVars(config.vars, options.vars, options),
          ...overrideVars(config, options.vars),
          LOG_LEVEL: logLevel,
        },
        ratelimits: overrideRateLimits(worker.ratelimits ?? {}, options.rateLimits),
        // run_worker_first paths skip the local assets router (decision 0041).
        routes: workerFirstRoutes(config.staticRouting),
        serviceBindings: {
          ...worker.serviceBindings,
          [CONTROL_BINDING]: { name: config.name, entrypoint: "ServeControl" },
        },
      },
      // /cdn-cgi/handler/scheduled?cron=... (cron-trigger.ts).
      cronTriggerWorker(
        config.name,
        typeof worker.compatibilityDate === "string" ? worker.compatibilityDate : undefined,
      ),
    ],
  });
}

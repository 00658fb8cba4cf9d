// `npm start` flags and PLAZA_* environment variables, parsed and checked once. A flag wins
// over its environment variable; anything left unset keeps wrangler.toml's value.
import path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { root } from "../lib/paths.ts";
import { gpuBackendPortFor } from "./local-urls.ts";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A rate limiter's setting; the platform allows periods of 10 or 60 seconds only. */
export interface RateLimitSetting {
  limit: number;
  period: 10 | 60;
}

/** Everything `npm start` can be told. */
export interface ServeOptions {
  host: string;
  port: number;
  /** The reference GPU backend's port (BACKENDS follows it); default: port + 1. */
  gpuBackendPort: number;
  /** Undefined: wrangler.toml's LOG_LEVEL. Also sets the Worker's LOG_LEVEL. */
  logLevel: LogLevel | undefined;
  logFormat: "text" | "json";
  /** Where local state lives (wrangler dev's default: .wrangler/state). */
  persistTo: string;
  /** Fire every cron this often instead of on its schedule (tests, demos). */
  cronEverySeconds: number | undefined;
  /** [vars] overrides, by name. */
  vars: Record<string, string>;
  /** [[ratelimits]] overrides, by binding name. */
  rateLimits: Record<string, RateLimitSetting>;
  /** Load the demo data once serving. */
  seed: boolean;
  /** Serve this prebuilt bundle (an index.js from `wrangler deploy --dry-run --outdir`) instead of building. */
  bundle: string | undefined;
  /** How long a shutdown waits for running work before it stops anyway. */
  drainTimeoutMs: number;
}

export const USAGE = `Usage: npm start -- [options]

  --host <ip>              address to listen on (PLAZA_HOST, default 127.0.0.1)
  --port <n>               port (PLAZA_PORT or PORT, default 8787); ALLOWED_ORIGINS and PUBLIC_URL follow
                           the host and port unless given with --var
  --gpu-backend-port <n>   the reference GPU backend's port (PLAZA_GPU_BACKEND_PORT, default: port + 1);
                           BACKENDS follows it unless given with --var
  --log-level <level>      debug | info | warn | error (PLAZA_LOG_LEVEL, default: LOG_LEVEL in wrangler.toml)
  --log-format <format>    text | json (PLAZA_LOG_FORMAT, default text)
  --persist-to <dir>       local state directory (PLAZA_PERSIST_TO, default .wrangler/state, shared with wrangler dev)
  --cron-every <seconds>   fire the crons this often instead of on schedule (PLAZA_CRON_EVERY)
  --var NAME:VALUE         override a [vars] entry, repeatable (PLAZA_VARS_<NAME>=VALUE)
  --ratelimit NAME=L/P     override a rate limiter: L requests per P (10 or 60) seconds, repeatable
                           (PLAZA_RATELIMIT_<NAME>=L/P)
  --no-seed                do not load the demo data (PLAZA_SEED=off)
  --bundle <file>          serve a prebuilt Worker bundle instead of building one
  --drain-timeout <sec>    longest wait for running work on shutdown (PLAZA_DRAIN_TIMEOUT, default 10)
  --help                   this text`;

const RateLimitSchema = z
  .string()
  .regex(/^\d+\/\d+$/, "expected LIMIT/PERIOD, e.g. 100000/60")
  .transform((s) => s.split("/").map(Number) as [number, number])
  .pipe(z.tuple([z.number().int().min(1), z.union([z.literal(10), z.literal(60)])]))
  .transform(([limit, period]): RateLimitSetting => ({ limit, period }));

const Schema = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65_535),
  gpuBackendPort: z.coerce.number().int().min(1).max(65_535).optional(),
  logLevel: z.enum(LOG_LEVELS).optional(),
  logFormat: z.enum(["text", "json"]),
  persistTo: z.string().min(1),
  cronEverySeconds: z.coerce.number().int().min(1).max(86_400).optional(),
  seed: z.boolean(),
  bundle: z.string().min(1).optional(),
  drainTimeoutSeconds: z.coerce.number().min(0).max(600),
});

/** Splits `NAME:VALUE` (the syntax of `wrangler dev --var`). */
function parseVarFlag(flag: string): [string, string] {
  const at = flag.indexOf(":");
  if (at <= 0) throw new Error(`--var ${flag}: expected NAME:VALUE`);
  return [flag.slice(0, at), flag.slice(at + 1)];
}

/** Splits `NAME=LIMIT/PERIOD`. */
function parseRateLimitFlag(flag: string): [string, string] {
  const at = flag.indexOf("=");
  if (at <= 0) throw new Error(`--ratelimit ${flag}: expected NAME=LIMIT/PERIOD`);
  return [flag.slice(0, at), flag.slice(at + 1)];
}

/** Entries of `env` named `<prefix><NAME>`, as [NAME, value]. */
function prefixed(env: NodeJS.ProcessEnv, prefix: string): [string, string][] {
  return Object.entries(env)
    .filter((entry): entry is [string, string] => entry[0].startsWith(prefix) && entry[1] !== undefined)
    .map(([key, value]) => [key.slice(prefix.length), value]);
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "value"}: ${i.message}`).join("; ");
}

/** Reads the options from command-line `args` and the environment. Throws a readable error. */
export function parseServeOptions(args: string[], env: NodeJS.ProcessEnv): ServeOptions | "help" {
  const { values } = parseArgs({
    args,
    strict: true,
    allowNegative: true,
    options: {
      host: { type: "string" },
      port: { type: "string" },
      "gpu-backend-port": { type: "string" },
      "log-level": { type: "string" },
      "log-format": { type: "string" },
      "persist-to": { type: "string" },
      "cron-every": { type: "string" },
      var: { type: "string", multiple: true },
      ratelimit: { type: "string", multiple: true },
      seed: { type: "boolean" },
      bundle: { type: "string" },
      "drain-timeout": { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) return "help";

  const parsed = Schema.safeParse({
    host: values.host ?? env.PLAZA_HOST ?? "127.0.0.1",
    port: values.port ?? env.PLAZA_PORT ?? env.PORT ?? 8787,
    gpuBackendPort: values["gpu-backend-port"] ?? env.PLAZA_GPU_BACKEND_PORT,
    logLevel: values["log-level"] ?? env.PLAZA_LOG_LEVEL,
    logFormat: values["log-format"] ?? env.PLAZA_LOG_FORMAT ?? "text",
    persistTo: values["persist-to"] ?? env.PLAZA_PERSIST_TO ?? ".wrangler/state",
    cronEverySeconds: values["cron-every"] ?? env.PLAZA_CRON_EVERY,
    seed: values.seed ?? env.PLAZA_SEED !== "off",
    bundle: values.bundle,
    drainTimeoutSeconds: values["drain-timeout"] ?? env.PLAZA_DRAIN_TIMEOUT ?? 10,
  });
  if (!parsed.success) throw new Error(`invalid option: ${describe(parsed.error)}`);
  const o = parsed.data;

  const vars = Object.fromEntries([...prefixed(env, "PLAZA_VARS_"), ...(values.var ?? []).map(parseVarFlag)]);
  const rateLimits: Record<string, RateLimitSetting> = {};
  for (const [name, text] of [
    ...prefixed(env, "PLAZA_RATELIMIT_"),
    ...(values.ratelimit ?? []).map(parseRateLimitFlag),
  ]) {
    const setting = RateLimitSchema.safeParse(text);
    if (!setting.success) throw new Error(`rate limit ${name}=${text}: ${describe(setting.error)}`);
    rateLimits[name] = setting.data;
  }

  return {
    host: o.host,
    port: o.port,
    gpuBackendPort: gpuBackendPortFor(o.port, o.gpuBackendPort),
    logLevel: o.logLevel,
    logFormat: o.logFormat,
    persistTo: path.resolve(root, o.persistTo),
    cronEverySeconds: o.cronEverySeconds,
    vars,
    rateLimits,
    seed: o.seed,
    bundle: o.bundle === undefined ? undefined : path.resolve(o.bundle),
    drainTimeoutMs: o.drainTimeoutSeconds * 1000,
  };
}

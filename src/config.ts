// Typed configuration: every limit and setting comes from wrangler.toml [vars] (strings),
// parsed once per isolate with a safe default for each. Secrets are checked here too.
import { z } from "zod";
import { type ImSettings, parseImSettings } from "./shared/im-settings";
import { parseRoomLimits, type RoomLimits } from "./shared/room-limits";

const int = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const list = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s) =>
      s
        .split(",")
        .map((x) => x.trim())
        .filter((x) => x.length > 0),
    );

const secret = (name: string) =>
  z
    .string({ error: `${name} is not set (run npm start once, or wrangler secret put ${name})` })
    .min(32, `${name} must be at least 32 characters`);

const ConfigSchema = z.object({
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  JWT_ISSUER: z.string().min(1).default("plaza"),
  JWT_AUDIENCE: z.string().min(1).default("plaza-api"),
  ACCESS_TOKEN_TTL_SECONDS: int(900, 60, 3600),
  REFRESH_TOKEN_TTL_DAYS: int(30, 1, 365),
  // The Workers runtime caps PBKDF2 at 100,000 iterations.
  PASSWORD_ITERATIONS: int(100_000, 10_000, 100_000),
  MAX_BODY_BYTES: int(65_536, 1_024, 10_485_760),
  ALLOWED_ORIGINS: list("http://127.0.0.1:8787,http://localhost:8787"),
  BENCH_ROUTES: z.enum(["on", "off"]).default("off"),
  JWT_SECRET: secret("JWT_SECRET"),
  PASSWORD_PEPPER: secret("PASSWORD_PEPPER"),
  BACKEND_TOKEN: secret("BACKEND_TOKEN"),
});

type RawConfig = z.output<typeof ConfigSchema>;

/** Plaza's settings, named for what they mean. */
export interface Config {
  logLevel: RawConfig["LOG_LEVEL"];
  jwt: { issuer: string; audience: string; secret: string; accessTtlSeconds: number };
  refreshTtlSeconds: number;
  password: { iterations: number; pepper: string };
  maxBodyBytes: number;
  allowedOrigins: string[];
  /** Serve the bare /__bench/json baseline route (benchmarks only). */
  benchRoutes: boolean;
  backendToken: string;
  // ---- rooms
  /** Chat room limits (ROOM_* vars), shared with the Room object. */
  rooms: RoomLimits;
  // ---- im
  /** Instant messaging settings (IM_* and VAPID_* vars, VAPID_PRIVATE_KEY secret), shared with the objects. */
  im: ImSettings;
}

const cache = new WeakMap<object, Config>();

/**
 * Reads the configuration from the Worker's env. The result is cached per env object,
 * so this costs one parse per isolate. Throws when a var is malformed or a secret is
 * missing: that is an operator error, reported as a 500 and logged in full.
 */
export function loadConfig(env: Env): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const raw = ConfigSchema.parse(env);
  const config: Config = {
    logLevel: raw.LOG_LEVEL,
    jwt: {
      issuer: raw.JWT_ISSUER,
      audience: raw.JWT_AUDIENCE,
      secret: raw.JWT_SECRET,
      accessTtlSeconds: raw.ACCESS_TOKEN_TTL_SECONDS,
    },
    refreshTtlSeconds: raw.REFRESH_TOKEN_TTL_DAYS * 86_400,
    password: { iterations: raw.PASSWORD_ITERATIONS, pepper: raw.PASSWORD_PEPPER },
    maxBodyBytes: raw.MAX_BODY_BYTES,
    allowedOrigins: raw.ALLOWED_ORIGINS,
    benchRoutes: raw.BENCH_ROUTES === "on",
    backendToken: raw.BACKEND_TOKEN,
    rooms: parseRoomLimits(env),
    im: parseImSettings(env),
  };
  cache.set(env, config);
  return config;
}

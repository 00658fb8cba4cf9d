// Typed configuration: every limit and setting comes from wrangler.toml [vars] (strings),
// parsed once per isolate with a safe default for each. Secrets are checked here too.
import { z } from "zod";
import { type ImSettings, parseImSettings } from "./protocol/im-settings";
import { parseRoomLimits, type RoomLimits } from "./protocol/room-limits";
import { type BackendSpec, parseBackendsVar } from "./protocol/tasks";

const int = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

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

/** The reference backend of `npm start` (gpu-backend/), speaking both protocols. */
const DEFAULT_BACKENDS = JSON.stringify([
  { id: "local-llm", url: "http://127.0.0.1:8788", protocol: "openai", capabilities: ["llm.chat"], capacity: 8 },
  {
    id: "local-jobs",
    url: "http://127.0.0.1:8788",
    protocol: "plaza-job",
    capabilities: ["image.thumbnail"],
    capacity: 4,
  },
]);

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
  AUTH_DENY_CACHE_SECONDS: int(5, 0, 60),
  PROFILE_CACHE_SECONDS: int(5, 0, 300),
  // ---- tasks
  BACKENDS: z
    .string()
    .default(DEFAULT_BACKENDS)
    .transform((text, ctx) => {
      try {
        return parseBackendsVar(text);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: err instanceof Error ? err.message : "BACKENDS is not valid JSON" });
        return z.NEVER;
      }
    }),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).default("http://127.0.0.1:8787"),
  TASK_MAX_ACTIVE_PER_USER: int(10, 1, 10_000),
  TASK_RESULT_INLINE_BYTES: int(16_384, 256, 1_000_000),
  TASK_NO_BACKEND_DELAY_SECONDS: int(30, 1, 300),
  TASK_MAX_QUEUE_SECONDS: int(900, 10, 86_400),
  TASK_SILENCE_SECONDS: int(30, 1, 3600),
  TASK_OUTPUT_FLUSH_MS: int(50, 0, 5000),
  TASK_SOCKET_MAX_FRAME_BYTES: int(1_024, 64, 1_048_576),
  TASK_SOCKET_RATE_PER_SECOND: int(5, 1, 10_000),
  TASK_SOCKET_BURST: int(10, 1, 100_000),
  BACKEND_HEALTH_INTERVAL_SECONDS: int(15, 5, 3600),
  BREAKER_FAILURE_THRESHOLD: int(3, 1, 100),
  BREAKER_COOLDOWN_SECONDS: int(30, 1, 3600),
  // ---- feed
  MEDIA_MAX_BYTES: int(5_242_880, 1_024, 26_214_400),
  MAX_POST_IMAGES: int(9, 0, 20),
  // KV's smallest expirationTtl is 60 seconds.
  POST_CACHE_TTL_SECONDS: int(300, 60, 86_400),
  POST_ISOLATE_CACHE_ENTRIES: int(1_000, 0, 100_000),
  VIEW_TALLY_MS: int(1_000, 0, 10_000),
  HOT_AUTHOR_FOLLOWERS: int(1_000, 1, 100_000_000),
  HOT_LIST_SIZE: int(100, 1, 500),
  HOT_LIST_WINDOW_HOURS: int(168, 1, 2_160),
  PROCESSED_EVENT_RETENTION_HOURS: int(168, 1, 2_160),
  DELETED_POST_RETENTION_DAYS: int(7, 0, 365),
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
  /** How long an isolate reuses a "session not revoked" answer from the KV deny-list. */
  denyCacheMs: number;
  /** How long an isolate reuses a user profile it read (follows in the same isolate forget it). */
  profileCacheMs: number;
  /** Serve the bare /__bench/json baseline route (benchmarks only). */
  benchRoutes: boolean;
  backendToken: string;
  // ---- rooms
  /** Chat room limits (ROOM_* vars), shared with the Room object. */
  rooms: RoomLimits;
  tasks: {
    /** Backends declared in wrangler.toml (runtime ones live in the BackendPool object). */
    backends: BackendSpec[];
    /** Base URL backends use to reach Plaza (callbacks, job sources). */
    publicUrl: string;
    maxActivePerUser: number;
    resultInlineBytes: number;
    /** Fallback re-check of a task waiting for a backend (the pool wakes it as soon as a slot frees). */
    noBackendDelaySeconds: number;
    /** A task that found no free backend for this long fails with `no_backend`. */
    maxQueueSeconds: number;
    /** A running attempt with no sign of life for this long is treated as a dead backend. */
    silenceSeconds: number;
    /** Streamed tokens are coalesced into one `output` event per this many ms (0: one per token). */
    outputFlushMs: number;
    /** The task socket takes only pings (answered by the runtime): a frame cap and rate for anything else. */
    socket: { maxFrameBytes: number; ratePerSecond: number; burst: number };
    healthIntervalSeconds: number;
    breakerFailureThreshold: number;
    breakerCooldownSeconds: number;
  };
  feed: FeedConfig;
  // ---- im
  /** Instant messaging settings (IM_* and VAPID_* vars, VAPID_PRIVATE_KEY secret), shared with the objects. */
  im: ImSettings;
}

/** Feed limits and tuning (posts, media, cache, hot list, retention). */
export interface FeedConfig {
  /** Largest image upload to /v1/media, in bytes (also for chunked uploads). */
  mediaMaxBytes: number;
  maxPostImages: number;
  /** TTL of a post's KV cache entry. */
  postCacheTtlSeconds: number;
  /** Most posts an isolate keeps its own copy of (0: none; every hit reads KV). */
  isolateCacheEntries: number;
  /** An isolate sends its tallied views at most this often (0: one event per view). */
  viewTallyMs: number;
  /** Authors with at least this many followers have new posts written to KV at once. */
  hotAuthorFollowers: number;
  hotListSize: number;
  /** Only posts younger than this are scored for the hot list. */
  hotListWindowMs: number;
  /** Applied counter-event ids are kept this long to recognise redeliveries. */
  processedEventRetentionMs: number;
  /** Soft-deleted posts are purged (with likes, comments, images) after this long. */
  deletedPostRetentionMs: number;
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
    denyCacheMs: raw.AUTH_DENY_CACHE_SECONDS * 1000,
    profileCacheMs: raw.PROFILE_CACHE_SECONDS * 1000,
    backendToken: raw.BACKEND_TOKEN,
    rooms: parseRoomLimits(env),
    tasks: {
      backends: raw.BACKENDS,
      publicUrl: raw.PUBLIC_URL.replace(/\/+$/, ""),
      maxActivePerUser: raw.TASK_MAX_ACTIVE_PER_USER,
      resultInlineBytes: raw.TASK_RESULT_INLINE_BYTES,
      noBackendDelaySeconds: raw.TASK_NO_BACKEND_DELAY_SECONDS,
      maxQueueSeconds: raw.TASK_MAX_QUEUE_SECONDS,
      silenceSeconds: raw.TASK_SILENCE_SECONDS,
      outputFlushMs: raw.TASK_OUTPUT_FLUSH_MS,
      socket: {
        maxFrameBytes: raw.TASK_SOCKET_MAX_FRAME_BYTES,
        ratePerSecond: raw.TASK_SOCKET_RATE_PER_SECOND,
        burst: raw.TASK_SOCKET_BURST,
      },
      healthIntervalSeconds: raw.BACKEND_HEALTH_INTERVAL_SECONDS,
      breakerFailureThreshold: raw.BREAKER_FAILURE_THRESHOLD,
      breakerCooldownSeconds: raw.BREAKER_COOLDOWN_SECONDS,
    },
    feed: {
      mediaMaxBytes: raw.MEDIA_MAX_BYTES,
      maxPostImages: raw.MAX_POST_IMAGES,
      postCacheTtlSeconds: raw.POST_CACHE_TTL_SECONDS,
      isolateCacheEntries: raw.POST_ISOLATE_CACHE_ENTRIES,
      viewTallyMs: raw.VIEW_TALLY_MS,
      hotAuthorFollowers: raw.HOT_AUTHOR_FOLLOWERS,
      hotListSize: raw.HOT_LIST_SIZE,
      hotListWindowMs: raw.HOT_LIST_WINDOW_HOURS * 3_600_000,
      processedEventRetentionMs: raw.PROCESSED_EVENT_RETENTION_HOURS * 3_600_000,
      deletedPostRetentionMs: raw.DELETED_POST_RETENTION_DAYS * 86_400_000,
    },
    im: parseImSettings(env),
  };
  cache.set(env, config);
  return config;
}

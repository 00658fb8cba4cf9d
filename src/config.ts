// Typed configuration: every limit and setting comes from wrangler.toml [vars] (strings),
// parsed once per isolate with a safe default for each. Secrets are checked here too. The
// Worker and every Durable Object read their settings through `loadConfig(env)`.
import { z } from "zod";
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

/** A tenant: a config-level group of users that shares one weighted share of each capability. */
export interface Tenant {
  id: string;
  weight: number;
  users: string[];
}

const TenantsSchema = z.array(
  z.strictObject({
    id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
    weight: z.number().min(0.01).max(1000),
    users: z.array(z.string().min(1).max(64)).max(10_000),
  }),
);

const secret = (name: string) =>
  z
    .string({ error: `${name} is not set (run npm start once, or wrangler secret put ${name})` })
    .min(32, `${name} must be at least 32 characters`);

const RoomVarsSchema = z.object({
  ROOM_RETENTION_DAYS: int(7, 1, 3650),
  ROOM_MAX_FRAME_BYTES: int(16_384, 1_024, 1_048_576),
  ROOM_MAX_BODY_CHARS: int(4_000, 1, 100_000),
  ROOM_SEND_RATE_PER_SECOND: int(20, 1, 10_000),
  ROOM_SEND_BURST: int(40, 1, 100_000),
  ROOM_TYPING_THROTTLE_MS: int(2_000, 0, 60_000),
  ROOM_IDLE_TIMEOUT_SECONDS: int(90, 10, 86_400),
  ROOM_ARCHIVE_BATCH: int(100, 1, 100),
  ROOM_ARCHIVE_DELAY_MS: int(5_000, 100, 60_000),
  ROOM_REPLAY_LIMIT: int(1_000, 1, 100_000),
  ROOM_GROUP_COMMIT_MS: int(10, 0, 1_000),
});

/** The push services of the major browsers (PUSH_SERVICE_HOSTS' default). `*.x` matches below x. */
export const DEFAULT_PUSH_SERVICE_HOSTS = [
  "fcm.googleapis.com",
  "updates.push.services.mozilla.com",
  "*.notify.windows.com",
  "web.push.apple.com",
  "*.push.apple.com",
];

const ImVarsSchema = z.object({
  IM_FANOUT_QUEUE_THRESHOLD: int(100, 1, 1_000_000),
  IM_FANOUT_CHUNK: int(25, 1, 100),
  IM_FANOUT_CONCURRENCY: int(32, 1, 256),
  IM_FANOUT_INTERVAL_MS: int(1_000, 0, 10_000),
  IM_INBOX_LINGER_MS: int(60_000, 0, 3_600_000),
  IM_EDIT_WINDOW_SECONDS: int(900, 0, 31_536_000),
  IM_PUSH_TTL_SECONDS: int(86_400, 0, 2_419_200),
  INBOX_MAX_FRAME_BYTES: int(4_096, 256, 1_048_576),
  INBOX_FRAME_RATE_PER_SECOND: int(20, 1, 10_000),
  INBOX_FRAME_BURST: int(40, 1, 100_000),
  // Unset: the browsers' push services; "" (empty): any public host.
  PUSH_SERVICE_HOSTS: z.string().default(DEFAULT_PUSH_SERVICE_HOSTS.join(",")),
  VAPID_SUBJECT: z.string().min(1).default("mailto:admin@plaza.invalid"),
  VAPID_PUBLIC_KEY: z.string().default(""),
  VAPID_PRIVATE_KEY: z.string().optional(),
});

/** Pre-publish moderation (docs/decisions/0073): a word list and an optional HTTP hook. */
const ModerationVarsSchema = z.object({
  /** Comma-separated terms (a term may be several words), matched on normalized whole words. */
  MODERATION_BLOCKED_TERMS: list(""),
  MODERATION_HOOK_URL: z
    .union([z.literal(""), z.url({ protocol: /^https?$/ })])
    .default("")
    .transform((url) => (url === "" ? undefined : url)),
  MODERATION_HOOK_TIMEOUT_MS: int(250, 10, 10_000),
  MODERATION_HOOK_FAILURE: z.enum(["open", "closed"]).default("open"),
});

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

const ConfigSchema = z
  .object({
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
    TASK_USER_CONCURRENCY: int(8, 1, 10_000),
    TASK_USER_RATE: int(600, 1, 1_000_000),
    TASK_USER_DAILY_TOKENS: int(0, 0, 1_000_000_000_000),
    TASK_AFFINITY_MAX_LOAD_PERCENT: int(90, 1, 100),
    TASK_TENANTS: z
      .string()
      .default("[]")
      .transform((text, ctx) => {
        try {
          const parsed = TenantsSchema.safeParse(JSON.parse(text));
          if (parsed.success) return parsed.data;
          ctx.addIssue({ code: "custom", message: `TASK_TENANTS is not a valid tenant list: ${parsed.error.message}` });
        } catch {
          ctx.addIssue({ code: "custom", message: "TASK_TENANTS is not valid JSON" });
        }
        return z.NEVER;
      }),
    BACKEND_HEALTH_INTERVAL_SECONDS: int(15, 5, 3600),
    BREAKER_FAILURE_THRESHOLD: int(3, 1, 100),
    BREAKER_COOLDOWN_SECONDS: int(30, 1, 3600),
    MEDIA_MAX_BYTES: int(5_242_880, 1_024, 26_214_400),
    MAX_POST_IMAGES: int(9, 0, 20),
    // KV's smallest expirationTtl is 60 seconds.
    POST_CACHE_TTL_SECONDS: int(300, 60, 86_400),
    POST_ISOLATE_CACHE_ENTRIES: int(1_000, 0, 100_000),
    POST_LIVE_TTL_MS: int(2_000, 0, 60_000),
    VIEW_TALLY_MS: int(1_000, 0, 10_000),
    HOT_AUTHOR_FOLLOWERS: int(1_000, 1, 100_000_000),
    HOT_LIST_SIZE: int(100, 1, 500),
    HOT_LIST_WINDOW_HOURS: int(168, 1, 2_160),
    PROCESSED_EVENT_RETENTION_HOURS: int(168, 1, 2_160),
    DELETED_POST_RETENTION_DAYS: int(7, 0, 365),
    JWT_SECRET: secret("JWT_SECRET"),
    PASSWORD_PEPPER: secret("PASSWORD_PEPPER"),
    BACKEND_TOKEN: secret("BACKEND_TOKEN"),
  })
  .extend(RoomVarsSchema.shape)
  .extend(ImVarsSchema.shape)
  .extend(ModerationVarsSchema.shape);

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
  /** Serve the /__bench/ routes; only the benchmark entry (src/bench/index.ts) has them. */
  benchRoutes: boolean;
  backendToken: string;
  /** Chat room limits (ROOM_* vars). */
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
    /** Tasks of one user running at once (the pool holds the rest in line). */
    userConcurrency: number;
    /** Submissions per user per minute (a token bucket that holds as many). */
    userRatePerMinute: number;
    /** Tokens (prompt + completion) a user may spend on OpenAI-protocol backends per UTC day; 0: no budget. */
    userDailyTokens: number;
    /** A session's warm backend keeps getting its tasks while below this percent of its capacity. */
    affinityMaxLoadPercent: number;
    /** Config-level groups of users with a weight (fair queuing shares). */
    tenants: Tenant[];
  };
  feed: FeedConfig;
  /** Instant messaging settings (IM_* and VAPID_* vars, VAPID_PRIVATE_KEY secret). */
  im: ImSettings;
  /** Pre-publish moderation (MODERATION_* vars). */
  moderation: ModerationSettings;
}

/** Pre-publish moderation settings (docs/decisions/0073). */
export interface ModerationSettings {
  /** Blocked terms as configured; matched on normalized whole words. */
  blockedTerms: readonly string[];
  hookUrl: string | undefined;
  hookTimeoutMs: number;
  /** `closed`: a failing or late hook refuses the content; `open`: it is published. */
  hookFailure: "open" | "closed";
}

/** How a room behaves; see the README's configuration table. */
export interface RoomLimits {
  /** Messages older than this leave the room's own storage (they stay in the D1 archive). */
  retentionMs: number;
  /** A larger socket frame closes the socket with 1009. */
  maxFrameBytes: number;
  /** Longest message body, in characters (Unicode code points, durable/room/body.ts). */
  maxBodyChars: number;
  /** Sustained frames and HTTP sends per second of one user in one room (a token bucket). */
  sendRatePerSecond: number;
  /** Frames and sends a user may make at once before the rate applies; twice this over closes the socket. */
  sendBurst: number;
  /** At most one `typing` broadcast per user per this many milliseconds. */
  typingThrottleMs: number;
  /** A socket silent (no ping, no frame) for this long is closed and leaves presence. */
  idleTimeoutMs: number;
  /** Unarchived messages that trigger an immediate archive flush. */
  archiveBatch: number;
  /** Longest wait before unarchived messages are flushed to the archive queue. */
  archiveDelayMs: number;
  /** A resume that would replay more messages than this gets `resync` instead. */
  replayLimit: number;
  /** While busy, a send waits up to this long to share one storage commit with others. */
  groupCommitMs: number;
}

/** How instant messaging behaves; see the README's configuration table. */
export interface ImSettings {
  /** Rooms with at least this many members fan out through the FANOUT queue, smaller ones directly. */
  queueThreshold: number;
  /** Members per FANOUT queue message (each is one inbox RPC in the consumer). */
  fanoutChunk: number;
  /** Inbox RPCs in flight at once, from a room (direct path) or a queue consumer. */
  fanoutConcurrency: number;
  /** A busy room starts a fan-out round at most this often; what arrives meanwhile joins the next one. */
  fanoutIntervalMs: number;
  /** An inbox keeps hearing its rooms' rounds this long after its room list was read or its last device left. */
  inboxLingerMs: number;
  /** A sender may edit or delete a message for this long after sending it. */
  editWindowMs: number;
  /** How long a push service keeps an undelivered notification. */
  pushTtlSeconds: number;
  /** The inbox socket's frame size cap and per-socket frame rate. */
  inboxSocket: { maxFrameBytes: number; ratePerSecond: number; burst: number };
  /** VAPID (RFC 8292): contact URI, public key (base64url uncompressed P-256 point), private key (base64url `d`). */
  vapid: { subject: string; publicKey: string; privateKey: string } | undefined;
  /** Hosts a push subscription's endpoint may name (`*.x`: any name below x); empty: any public host. */
  pushServiceHosts: string[];
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
  /** An isolate re-reads a post's cached live state (version, counters) at most this often (0: every read). */
  liveTtlMs: number;
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

/** The room settings alone (no secrets needed): what `loadConfig` puts in `rooms`. */
export function parseRoomLimits(env: object): RoomLimits {
  return roomLimits(RoomVarsSchema.parse(env));
}

function roomLimits(raw: z.output<typeof RoomVarsSchema>): RoomLimits {
  return {
    retentionMs: raw.ROOM_RETENTION_DAYS * 86_400_000,
    maxFrameBytes: raw.ROOM_MAX_FRAME_BYTES,
    maxBodyChars: raw.ROOM_MAX_BODY_CHARS,
    sendRatePerSecond: raw.ROOM_SEND_RATE_PER_SECOND,
    sendBurst: raw.ROOM_SEND_BURST,
    typingThrottleMs: raw.ROOM_TYPING_THROTTLE_MS,
    idleTimeoutMs: raw.ROOM_IDLE_TIMEOUT_SECONDS * 1000,
    archiveBatch: raw.ROOM_ARCHIVE_BATCH,
    archiveDelayMs: raw.ROOM_ARCHIVE_DELAY_MS,
    replayLimit: raw.ROOM_REPLAY_LIMIT,
    groupCommitMs: raw.ROOM_GROUP_COMMIT_MS,
  };
}

const PUBLIC_KEY = /^[A-Za-z0-9_-]{87}$/;
const PRIVATE_KEY = /^[A-Za-z0-9_-]{43}$/;

function imSettings(raw: z.output<typeof ImVarsSchema>): ImSettings {
  return {
    queueThreshold: raw.IM_FANOUT_QUEUE_THRESHOLD,
    fanoutChunk: raw.IM_FANOUT_CHUNK,
    fanoutConcurrency: raw.IM_FANOUT_CONCURRENCY,
    fanoutIntervalMs: raw.IM_FANOUT_INTERVAL_MS,
    inboxLingerMs: raw.IM_INBOX_LINGER_MS,
    editWindowMs: raw.IM_EDIT_WINDOW_SECONDS * 1000,
    pushTtlSeconds: raw.IM_PUSH_TTL_SECONDS,
    inboxSocket: {
      maxFrameBytes: raw.INBOX_MAX_FRAME_BYTES,
      ratePerSecond: raw.INBOX_FRAME_RATE_PER_SECOND,
      burst: raw.INBOX_FRAME_BURST,
    },
    vapid: parseVapid(raw),
    pushServiceHosts: raw.PUSH_SERVICE_HOSTS.split(",")
      .map((h) => h.trim())
      .filter((h) => h.length > 0),
  };
}

/** Push is on when both keys are set; a malformed key is an operator error. */
function parseVapid(raw: z.output<typeof ImVarsSchema>): ImSettings["vapid"] {
  if (!raw.VAPID_PUBLIC_KEY || !raw.VAPID_PRIVATE_KEY) return undefined;
  if (!PUBLIC_KEY.test(raw.VAPID_PUBLIC_KEY))
    throw new Error("VAPID_PUBLIC_KEY must be a base64url uncompressed P-256 point (65 bytes)");
  if (!PRIVATE_KEY.test(raw.VAPID_PRIVATE_KEY))
    throw new Error("VAPID_PRIVATE_KEY must be a base64url P-256 private key (32 bytes)");
  return { subject: raw.VAPID_SUBJECT, publicKey: raw.VAPID_PUBLIC_KEY, privateKey: raw.VAPID_PRIVATE_KEY };
}

const cache = new WeakMap<object, Config>();

/**
 * Reads the configuration from the env of the Worker or of a Durable Object. The result is cached per env object,
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
    rooms: roomLimits(raw),
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
      userConcurrency: raw.TASK_USER_CONCURRENCY,
      userRatePerMinute: raw.TASK_USER_RATE,
      userDailyTokens: raw.TASK_USER_DAILY_TOKENS,
      affinityMaxLoadPercent: raw.TASK_AFFINITY_MAX_LOAD_PERCENT,
      tenants: raw.TASK_TENANTS,
    },
    feed: {
      mediaMaxBytes: raw.MEDIA_MAX_BYTES,
      maxPostImages: raw.MAX_POST_IMAGES,
      postCacheTtlSeconds: raw.POST_CACHE_TTL_SECONDS,
      isolateCacheEntries: raw.POST_ISOLATE_CACHE_ENTRIES,
      liveTtlMs: raw.POST_LIVE_TTL_MS,
      viewTallyMs: raw.VIEW_TALLY_MS,
      hotAuthorFollowers: raw.HOT_AUTHOR_FOLLOWERS,
      hotListSize: raw.HOT_LIST_SIZE,
      hotListWindowMs: raw.HOT_LIST_WINDOW_HOURS * 3_600_000,
      processedEventRetentionMs: raw.PROCESSED_EVENT_RETENTION_HOURS * 3_600_000,
      deletedPostRetentionMs: raw.DELETED_POST_RETENTION_DAYS * 86_400_000,
    },
    im: imSettings(raw),
    moderation: {
      blockedTerms: raw.MODERATION_BLOCKED_TERMS,
      hookUrl: raw.MODERATION_HOOK_URL,
      hookTimeoutMs: raw.MODERATION_HOOK_TIMEOUT_MS,
      hookFailure: raw.MODERATION_HOOK_FAILURE,
    },
  };
  cache.set(env, config);
  return config;
}

// Instant messaging settings, read from wrangler.toml [vars] (and the VAPID secret) with safe
// defaults. Shared by the Worker (src/config.ts), the Room and the Inbox objects.
import { z } from "zod";

const int = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

const ImVarsSchema = z.object({
  IM_FANOUT_QUEUE_THRESHOLD: int(100, 1, 1_000_000),
  IM_FANOUT_CHUNK: int(25, 1, 100),
  IM_FANOUT_CONCURRENCY: int(32, 1, 256),
  IM_FANOUT_INTERVAL_MS: int(1_000, 0, 10_000),
  IM_EDIT_WINDOW_SECONDS: int(900, 0, 31_536_000),
  IM_PUSH_TTL_SECONDS: int(86_400, 0, 2_419_200),
  INBOX_MAX_FRAME_BYTES: int(4_096, 256, 1_048_576),
  INBOX_FRAME_RATE_PER_SECOND: int(20, 1, 10_000),
  INBOX_FRAME_BURST: int(40, 1, 100_000),
  VAPID_SUBJECT: z.string().min(1).default("mailto:admin@plaza.invalid"),
  VAPID_PUBLIC_KEY: z.string().default(""),
  VAPID_PRIVATE_KEY: z.string().optional(),
});

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
  /** A sender may edit or delete a message for this long after sending it. */
  editWindowMs: number;
  /** How long a push service keeps an undelivered notification. */
  pushTtlSeconds: number;
  /** The inbox socket's frame size cap and per-socket frame rate. */
  inboxSocket: { maxFrameBytes: number; ratePerSecond: number; burst: number };
  /** VAPID (RFC 8292): contact URI, public key (base64url uncompressed P-256 point), private key (base64url `d`). */
  vapid: { subject: string; publicKey: string; privateKey: string } | undefined;
}

const PUBLIC_KEY = /^[A-Za-z0-9_-]{87}$/;
const PRIVATE_KEY = /^[A-Za-z0-9_-]{43}$/;

/** Push is on when both keys are set; a malformed key is an operator error. */
function parseVapid(raw: z.output<typeof ImVarsSchema>): ImSettings["vapid"] {
  if (!raw.VAPID_PUBLIC_KEY || !raw.VAPID_PRIVATE_KEY) return undefined;
  if (!PUBLIC_KEY.test(raw.VAPID_PUBLIC_KEY))
    throw new Error("VAPID_PUBLIC_KEY must be a base64url uncompressed P-256 point (65 bytes)");
  if (!PRIVATE_KEY.test(raw.VAPID_PRIVATE_KEY))
    throw new Error("VAPID_PRIVATE_KEY must be a base64url P-256 private key (32 bytes)");
  return { subject: raw.VAPID_SUBJECT, publicKey: raw.VAPID_PUBLIC_KEY, privateKey: raw.VAPID_PRIVATE_KEY };
}

const cache = new WeakMap<object, ImSettings>();

/** Parses the IM settings from the Worker's or an object's env; throws on a malformed value. */
export function parseImSettings(env: object): ImSettings {
  const cached = cache.get(env);
  if (cached) return cached;
  const raw = ImVarsSchema.parse(env);
  const settings: ImSettings = {
    queueThreshold: raw.IM_FANOUT_QUEUE_THRESHOLD,
    fanoutChunk: raw.IM_FANOUT_CHUNK,
    fanoutConcurrency: raw.IM_FANOUT_CONCURRENCY,
    fanoutIntervalMs: raw.IM_FANOUT_INTERVAL_MS,
    editWindowMs: raw.IM_EDIT_WINDOW_SECONDS * 1000,
    pushTtlSeconds: raw.IM_PUSH_TTL_SECONDS,
    inboxSocket: {
      maxFrameBytes: raw.INBOX_MAX_FRAME_BYTES,
      ratePerSecond: raw.INBOX_FRAME_RATE_PER_SECOND,
      burst: raw.INBOX_FRAME_BURST,
    },
    vapid: parseVapid(raw),
  };
  cache.set(env, settings);
  return settings;
}

// Chat room limits and timings, read from wrangler.toml [vars] with safe defaults. Shared by
// the Worker (src/config.ts) and the Room object, which cannot import the Worker's config.
import { z } from "zod";

const int = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

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

/** Parses the room settings from the Worker's or the object's env; throws on a malformed value. */
export function parseRoomLimits(env: object): RoomLimits {
  const raw = RoomVarsSchema.parse(env);
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

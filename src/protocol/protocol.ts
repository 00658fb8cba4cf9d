// Zod schemas of every WebSocket frame (API.md "socket frames"). Imported by the Worker,
// the Durable Objects and the client SDK; imports nothing of Plaza's.
import { z } from "zod";

/** The exact text clients send for a keep-alive; answered without waking the object. */
export const PING_FRAME = '{"type":"ping"}';
export const PONG_FRAME = '{"type":"pong"}';

export const ErrorFrameSchema = z.object({
  type: z.literal("error"),
  code: z.string(),
  detail: z.string(),
  /** The `send` this error refuses, so a client knows which of its messages was not taken. */
  clientMsgId: z.string().optional(),
  /** Seconds to wait before sending again (with `rate_limited`). */
  retryAfter: z.number().int().positive().optional(),
  /** With `muted`: when the mute ends (ISO time). */
  until: z.string().optional(),
});
export type ErrorFrame = z.infer<typeof ErrorFrameSchema>;

/** What an error frame may add to its code and detail. */
export type ErrorFrameExtra = Pick<ErrorFrame, "clientMsgId" | "retryAfter" | "until">;

/** Builds an `error` frame's text. */
export function errorFrame(code: string, detail: string, extra: ErrorFrameExtra = {}): string {
  return JSON.stringify({ type: "error", code, detail, ...extra } satisfies ErrorFrame);
}

// ---------------------------------------------------------------- room socket

const IdSchema = z.uuid().meta({ example: "01936b2e-8f5c-7a3e-9b1d-2f4a6c8e0b1d" });
const TimestampSchema = z.iso.datetime().meta({ example: "2026-11-22T09:30:00.000Z" });

/** One emoji's reactions on a message, as the reader sees them (API.md "Reactions"). */
export const ReactionSummarySchema = z.object({
  emoji: z.string().meta({ example: "👍" }),
  count: z.number().int().positive(),
  me: z.boolean().meta({ description: "Whether the reader reacted with this emoji" }),
});
export type ReactionSummary = z.infer<typeof ReactionSummarySchema>;

/** A reaction added or removed, sent to the room's sockets; `count` is the emoji's new total. Not a log entry: no seq of its own. */
export interface ReactionFrame {
  type: "reaction";
  seq: number;
  emoji: string;
  count: number;
  userId: string;
  op: "add" | "remove";
}

/**
 * A chat message in its latest state: on the room and inbox sockets, in queue messages and
 * in HTTP answers (src/schemas/rooms.ts names it "Message" in /openapi.json).
 */
export const MessageSchema = z.object({
  id: IdSchema,
  roomId: IdSchema,
  seq: z.number().int().positive().meta({ description: "The room's gap-free order", example: 42 }),
  clientMsgId: z.string(),
  sender: z.object({ id: IdSchema, username: z.string() }),
  body: z.string().meta({ description: "The latest body; empty once deleted" }),
  createdAt: TimestampSchema,
  editedAt: TimestampSchema.optional().meta({ description: "Set once the sender edited the message" }),
  deletedAt: TimestampSchema.optional().meta({ description: "Set once the sender deleted the message" }),
  reactions: z.array(ReactionSummarySchema).optional().meta({
    description: "Reactions by emoji, oldest first, with `me` relative to the reader; absent when there are none",
  }),
});
export type Message = z.infer<typeof MessageSchema>;

export const ClientMsgIdSchema = z.string().min(1).max(64);

export const RoomClientFrameSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("send"), clientMsgId: ClientMsgIdSchema, body: z.string().min(1) }),
  z.strictObject({ type: z.literal("typing") }),
  z.strictObject({ type: z.literal("read"), seq: z.number().int().min(0) }),
  z.strictObject({ type: z.literal("ping") }),
  // The sender edits or deletes one of their messages (within IM_EDIT_WINDOW_SECONDS).
  z.strictObject({ type: z.literal("edit"), seq: z.number().int().positive(), body: z.string().min(1) }),
  z.strictObject({ type: z.literal("delete"), seq: z.number().int().positive() }),
  // A member adds or removes their reaction (the same as PUT/DELETE .../reactions/:emoji).
  z.strictObject({
    type: z.literal("react"),
    seq: z.number().int().positive(),
    emoji: z.string().min(1).max(64),
    op: z.enum(["add", "remove"]),
  }),
]);
export type RoomClientFrame = z.infer<typeof RoomClientFrameSchema>;

export type RoomServerFrame =
  | { type: "welcome"; roomId: string; seq: number; epoch: string; online: string[]; readSeq: number }
  | { type: "message"; message: Message }
  | { type: "ack"; clientMsgId: string; seq: number; id: string }
  | { type: "presence"; userId: string; status: "online" | "offline" }
  | { type: "typing"; userId: string }
  | { type: "resync"; reason: string }
  | RoomChangeFrame
  | ReactionFrame
  | ErrorFrame;

/**
 * An edit or delete: a log entry with its own `seq` (so it keeps the room's order and is
 * replayed on resume) carrying the changed message in its new state.
 */
export type RoomChangeFrame = { type: "edited" | "deleted"; seq: number; message: Message };

/** One entry of a room's log, as the room socket and the inbox carry it. */
export type RoomEntry = { type: "message"; message: Message } | RoomChangeFrame;

/** The log position of an entry. */
export const entrySeq = (entry: RoomEntry): number => (entry.type === "message" ? entry.message.seq : entry.seq);

// ---------------------------------------------------------------- inbox socket

/** How a member wants to hear about a room (decision 0086): `notify` level and an optional mute. */
export type NotifyLevel = "all" | "mentions" | "none";

/** A member's notification settings for one room, kept in their inbox. */
export interface RoomSettings {
  notify: NotifyLevel;
  /** ISO time: no push before it (unread still counts). Null: not muted. */
  muteUntil: string | null;
}

export type InboxServerFrame =
  | { type: "message"; message: Message }
  | { type: "unread"; roomId: string; unread: number; readSeq?: number }
  | { type: "task"; task: Record<string, unknown> }
  // Edits, deletes, the welcome and leaving a room (API.md "Inbox socket frames")
  | RoomChangeFrame
  | { type: "welcome"; rooms: { roomId: string; unread: number; readSeq: number; lastSeq: number }[] }
  | { type: "left"; roomId: string }
  // Another device changed the user's notification settings for a room (decision 0086).
  | { type: "settings"; roomId: string; settings: RoomSettings }
  | ErrorFrame;

/** Frames a client may send on the inbox socket. */
export const InboxClientFrameSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("read"), roomId: z.string().min(1).max(64), seq: z.number().int().min(0) }),
  z.strictObject({ type: z.literal("ping") }),
]);
export type InboxClientFrame = z.infer<typeof InboxClientFrameSchema>;

/** Parses a text frame as JSON, or undefined when it is not JSON. */
export function parseJsonFrame(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

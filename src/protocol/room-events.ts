// EVENTS queue messages a Room object sends: archive batches of durable messages and read
// cursors, consumed by src/queues/room-archive.ts into D1. Imports nothing of Plaza's.
import { z } from "zod";
import { MessageSchema } from "./protocol";

/**
 * A row of a room's log as archived: a message in its state at flush time, or an edit or
 * delete entry naming the message it changed (`refSeq`); `revision` counts the changes, so a
 * late redelivery never overwrites a newer state in D1.
 */
export const ArchiveRowSchema = MessageSchema.extend({
  kind: z.enum(["message", "edit", "delete"]),
  refSeq: z.number().int().positive().optional(),
  revision: z.number().int().min(0),
});
export type ArchiveRow = z.output<typeof ArchiveRowSchema>;

export const RoomArchiveEventSchema = z.object({
  type: z.literal("room.archive"),
  roomId: z.string().min(1),
  messages: z.array(ArchiveRowSchema).min(1).max(100),
});
export type RoomArchiveEvent = z.infer<typeof RoomArchiveEventSchema>;

export const RoomReadEventSchema = z.object({
  type: z.literal("room.read"),
  roomId: z.string().min(1),
  cursors: z
    .array(z.object({ userId: z.string().min(1), seq: z.number().int().min(0) }))
    .min(1)
    .max(100),
});
export type RoomReadEvent = z.infer<typeof RoomReadEventSchema>;

export const RoomEventSchema = z.discriminatedUnion("type", [RoomArchiveEventSchema, RoomReadEventSchema]);
export type RoomEvent = z.infer<typeof RoomEventSchema>;

/** The EVENTS types the room archive consumer owns. */
export const ROOM_EVENT_TYPES = ["room.archive", "room.read"] as const;

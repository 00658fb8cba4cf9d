// EVENTS queue messages a Room object sends: archive batches of durable messages and read
// cursors, consumed by src/queues/room-archive.ts into D1. Imports nothing of Plaza's.
import { z } from "zod";
import { MessageSchema } from "./protocol";

export const RoomArchiveEventSchema = z.object({
  type: z.literal("room.archive"),
  roomId: z.string().min(1),
  messages: z.array(MessageSchema).min(1).max(100),
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

// What crosses into a user's Inbox object: a room's deliveries (from the room itself or the
// FANOUT queue), membership changes from the Worker, and the room list it serves. Imports
// nothing of Plaza's beyond src/protocol.
import { z } from "zod";
import { MessageSchema, type Message, type RoomEntry, type RoomSettings } from "./protocol";
import type { MemberRole, RoomKind } from "./rooms";

/** The room facts a delivery carries (the member count is the room's own, at delivery time). */
export interface DeliveryRoom {
  id: string;
  kind: RoomKind;
  memberCount: number;
}

/**
 * One round of a room for one member: the log entries after `fromSeq`, in order and without a
 * gap (so an inbox that has counted less than `fromSeq` knows it missed some and asks the room);
 * `watching`: that member's sessions connected to the room.
 */
export interface InboxDelivery {
  room: DeliveryRoom;
  /** The round's entries follow this seq (absent in rounds queued before read state: taken from the first entry). */
  fromSeq?: number | undefined;
  entries: RoomEntry[];
  watching: string[];
}

/** What the inbox did with a delivery. */
export interface DeliveryResult {
  applied: number;
  duplicates: number;
  /**
   * False when nobody needs this inbox to hear rounds now (no device, no recent room list, no
   * push subscription): the room stops sending them until the inbox attaches again.
   */
  listening: boolean;
}

/** A room joined (or a role changed), as the Worker tells the member's inbox. */
export interface InboxMembership {
  roomId: string;
  kind: RoomKind;
  name: string;
  role: MemberRole;
  memberCount: number;
  createdAt: string;
  /** The other member of a direct room. */
  peer?: { id: string; username: string } | undefined;
  /** Everything up to this seq counts as read (a new member does not inherit old messages as unread). */
  readSeq?: number | undefined;
}

/** One entry of `GET /v1/rooms`, as the inbox keeps it. */
export interface InboxRoom {
  id: string;
  kind: RoomKind;
  name: string;
  memberCount: number;
  createdAt: string;
  role?: MemberRole;
  unread: number;
  lastMessage: Message | null;
  readSeq: number;
  lastSeq: number;
  peer?: { id: string; username: string };
}

export type { NotifyLevel, RoomSettings } from "./protocol";

/** Settings of a room nobody changed. */
export const DEFAULT_ROOM_SETTINGS: RoomSettings = { notify: "all", muteUntil: null };

/** A `GET /v1/rooms` item: the room as the inbox keeps it, with the member's settings. */
export interface MyInboxRoom extends InboxRoom {
  settings: RoomSettings;
}

/** Position of the last room of a page: (last activity, room id). */
export interface InboxCursor {
  activityAt: number;
  roomId: string;
}

/** Where a member stands in a room, as the room computes it from its log (an inbox catching up). */
export interface MemberSummary {
  /** The room's head when this was computed: the counts below are exact as of this seq. */
  lastSeq: number;
  readSeq: number;
  memberCount: number;
  /** Messages from others after the read cursor that are not deleted (those the room keeps). */
  unread: number;
  lastMessage: Message | null;
}

/** A read cursor the room has moved, with the unread count it leaves (exact as of `asOf`). */
export interface ReadStanding {
  readSeq: number;
  unread: number;
  asOf: number;
}

// ---------------------------------------------------------------- FANOUT queue

const ChangeEntrySchema = z.object({
  type: z.enum(["edited", "deleted"]),
  seq: z.number().int().positive(),
  message: MessageSchema,
});
export const RoomEntrySchema = z.union([
  z.object({ type: z.literal("message"), message: MessageSchema }),
  ChangeEntrySchema,
]);

/** One FANOUT queue message: entries of one room for a chunk of its members. */
export const FanoutJobSchema = z.object({
  type: z.literal("im.fanout"),
  room: z.object({
    id: z.string().min(1),
    kind: z.enum(["channel", "group", "direct"]),
    memberCount: z.number().int().min(0),
  }),
  fromSeq: z.number().int().min(0).optional(),
  entries: z.array(RoomEntrySchema).min(1).max(200),
  members: z
    .array(
      z.object({
        userId: z.string().min(1),
        watching: z.array(z.string()).max(100),
        /** The listener's attach stamp: a "stopped" answer clears only this attach. */
        since: z.number().int().min(0).optional(),
      }),
    )
    .min(1)
    .max(100),
});
export type FanoutJob = z.infer<typeof FanoutJobSchema>;

// Room, member and message schemas (API.md "Rooms").
import { z } from "@hono/zod-openapi";
import { ClientMsgIdSchema, MessageSchema as WireMessageSchema } from "../protocol/protocol";
import { IdSchema, PageQuerySchema, TimestampSchema } from "./common";

export const RoomKindSchema = z.enum(["channel", "group", "direct"]).openapi({ example: "channel" });
export const RoleSchema = z.enum(["owner", "admin", "moderator", "member"]).openapi({ example: "member" });

export const RoomSchema = z
  .object({
    id: IdSchema,
    kind: RoomKindSchema,
    name: z.string(),
    memberCount: z.number().int(),
    createdAt: TimestampSchema,
    role: RoleSchema.optional().openapi({ description: "The caller's role; absent when the caller is not a member" }),
    peer: z
      .object({ id: IdSchema, username: z.string() })
      .optional()
      .openapi({ description: "Direct rooms: the other member (the room's name is their username)" }),
  })
  .openapi("Room");

/** The one message schema (src/protocol/protocol.ts), as the "Message" component. */
export const MessageSchema = WireMessageSchema.openapi("Message");

/** A member's notification settings for a room (decision 0086). */
export const RoomSettingsSchema = z
  .object({
    notify: z.enum(["all", "mentions", "none"]).openapi({
      description: "all: push every message from others; mentions: only messages that mention me; none: no push",
    }),
    muteUntil: TimestampSchema.nullable().openapi({ description: "No push before this time (unread still counts)" }),
  })
  .openapi("RoomSettings");

export const RoomSettingsBodySchema = z
  .strictObject({
    notify: z.enum(["all", "mentions", "none"]),
    muteUntil: z.iso.datetime({ offset: true }).nullable().optional().openapi({
      description: "ISO time: mute pushes until then; absent or null: not muted",
      example: "2026-12-24T18:00:00Z",
    }),
  })
  .openapi("RoomSettingsBody");

export const MyRoomSchema = RoomSchema.extend({
  unread: z
    .number()
    .int()
    .min(0)
    .openapi({ description: "Messages from others after my read cursor (not deleted); exact, from my inbox" }),
  // A union, not MessageSchema.nullable(): that would make the shared "Message" component nullable in /openapi.json.
  lastMessage: z.union([MessageSchema, z.null()]),
  readSeq: z.number().int().min(0).openapi({ description: "My read cursor" }),
  lastSeq: z.number().int().min(0).openapi({ description: "The newest log seq my inbox has seen in this room" }),
  settings: RoomSettingsSchema,
}).openapi("MyRoom");

export const RoomNameSchema = z.string().trim().min(1).max(100).openapi({ example: "lobby" });

export const CreateRoomBodySchema = z
  .strictObject({
    kind: z.enum(["channel", "group"]),
    name: RoomNameSchema,
    memberIds: z.array(IdSchema).max(99).optional().openapi({ description: "Users to add as members (up to 99)" }),
  })
  .openapi("CreateRoomBody");

export const AddMemberBodySchema = z
  .strictObject({
    userId: IdSchema,
    role: z
      .enum(["admin", "member"])
      .optional()
      .openapi({ description: "Default member; only the owner may make admins" }),
  })
  .openapi("AddMemberBody");

export const SendMessageBodySchema = z
  .strictObject({
    clientMsgId: ClientMsgIdSchema.openapi({
      description: "The sender's id for this message; a resend returns the original",
    }),
    body: z.string().min(1).max(100_000).openapi({ description: "1 to ROOM_MAX_BODY_CHARS (4,000) characters" }),
  })
  .openapi("SendMessageBody");

export const ReadBodySchema = z.strictObject({ seq: z.number().int().min(0) }).openapi("ReadBody");

export const RoomParamSchema = z.object({ id: IdSchema.openapi({ param: { name: "id", in: "path" } }) });

export const MemberParamSchema = RoomParamSchema.extend({
  userId: IdSchema.openapi({ param: { name: "userId", in: "path" } }),
});

const SeqQuery = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const MessagesQuerySchema = PageQuerySchema.extend({
  after: SeqQuery.optional().openapi({ description: "Messages with seq > after, oldest first" }),
  before: SeqQuery.optional().openapi({
    description: "The newest messages with seq < before, oldest first (default: the latest page)",
  }),
});

export const SocketQuerySchema = z.object({
  since: SeqQuery.optional().openapi({
    description: "Resume: replay every message with seq > since, then live traffic",
  }),
  epoch: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .openapi({ description: "The epoch of `since` (from `welcome`); a different epoch gets `resync`" }),
});

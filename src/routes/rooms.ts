// Chat rooms (API.md "Rooms"): channels and groups, memberships, history, HTTP send, read
// cursors, and the room socket. Anything about a room the caller may not see is 404.
import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../auth/middleware";
import { authorizeUpgrade, forwardUpgrade } from "../auth/upgrade";
import { errors } from "../errors";
import { requireMemberNotBanned } from "../services/moderation/room-bans";
import { encodeCursor, readCursor } from "../lib/cursor";
import { bearerSecurity, createRouter, json, jsonBody, problems } from "../lib/openapi";
import { limitWrites } from "../middleware/write-limit";
import { pageOf, PageQuerySchema } from "../schemas/common";
import {
  AddMemberBodySchema,
  CreateRoomBodySchema,
  MemberParamSchema,
  MessageSchema,
  MessagesQuerySchema,
  MyRoomSchema,
  ReadBodySchema,
  RoomParamSchema,
  RoomSchema,
  SendMessageBodySchema,
  SocketQuerySchema,
} from "../schemas/rooms";
import { ROOM_ID_HEADER, SUBPROTOCOL } from "../protocol/identity";
import { MessageCursorSchema, MyRoomsCursorSchema, PublicRoomsCursorSchema } from "../services/room-cursors";
import { directPeer } from "../services/direct-rooms";
import { inboxStub } from "../services/inbox-sync";
import { markRead, pageMessages, sendMessage } from "../services/room-messages";
import {
  addMember,
  createRoom,
  joinRoom,
  leaveRoom,
  listPublicChannels,
  memberCount,
  removeMember,
  requireMember,
  roomStub,
  toPublicRoom,
  visibleRoom,
} from "../services/rooms";

const tags = ["Rooms"];
const noContent = (description: string) => ({ 204: { description } });

const createRoomRoute = createRoute({
  method: "post",
  path: "/",
  tags,
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  summary: "Create a channel (public, joinable) or a group (invite-only)",
  request: { body: jsonBody(CreateRoomBodySchema) },
  responses: {
    201: json(RoomSchema, "The room; the caller is its owner"),
    ...problems(400, 401, 403, 413, 415, 422, 429),
  },
});

const myRoomsRoute = createRoute({
  method: "get",
  path: "/",
  tags,
  security: bearerSecurity,
  middleware: [requireAuth()] as const,
  summary: "Rooms I belong to, most recent activity first, with unread counts and last messages (from my inbox)",
  request: { query: PageQuerySchema },
  responses: { 200: json(pageOf(MyRoomSchema), "A page of rooms"), ...problems(400, 401) },
});

const publicRoomsRoute = createRoute({
  method: "get",
  path: "/public",
  tags,
  security: bearerSecurity,
  middleware: [requireAuth()] as const,
  summary: "Channels anyone can join, newest first",
  request: { query: PageQuerySchema },
  responses: { 200: json(pageOf(RoomSchema), "A page of channels"), ...problems(400, 401) },
});

const getRoomRoute = createRoute({
  method: "get",
  path: "/{id}",
  tags,
  security: bearerSecurity,
  middleware: [requireAuth()] as const,
  summary: "A room I belong to, or any public channel",
  request: { params: RoomParamSchema },
  responses: { 200: json(RoomSchema, "The room"), ...problems(400, 401, 404) },
});

const joinRoute = createRoute({
  method: "post",
  path: "/{id}/join",
  tags,
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  summary: "Join a public channel (idempotent)",
  request: { params: RoomParamSchema },
  responses: { ...noContent("A member"), ...problems(400, 401, 403, 404, 429) },
});

const leaveRoute = createRoute({
  method: "post",
  path: "/{id}/leave",
  tags,
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  summary: "Leave a room; my sockets in it close (4003). The owner cannot leave (409).",
  request: { params: RoomParamSchema },
  responses: { ...noContent("Left"), ...problems(400, 401, 404, 409, 429) },
});

const addMemberRoute = createRoute({
  method: "post",
  path: "/{id}/members",
  tags,
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  summary: "Owner or admins: add a user to a group, or change a member's role",
  request: { params: RoomParamSchema, body: jsonBody(AddMemberBodySchema) },
  responses: { ...noContent("A member"), ...problems(400, 401, 403, 404, 409, 413, 415, 422, 429) },
});

const removeMemberRoute = createRoute({
  method: "delete",
  path: "/{id}/members/{userId}",
  tags,
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  summary: "Owner or admins: remove a member; their sockets in the room close (4003)",
  request: { params: MemberParamSchema },
  responses: { ...noContent("Removed"), ...problems(400, 401, 403, 404, 409, 429) },
});

const historyRoute = createRoute({
  method: "get",
  path: "/{id}/messages",
  tags,
  security: bearerSecurity,
  middleware: [requireAuth()] as const,
  summary: "History, oldest first within a page: `after` pages forward, `before` (default: the latest) pages back",
  description:
    "Reads the room's recent window and the D1 archive below it. `nextCursor` continues in the same direction.",
  request: { params: RoomParamSchema, query: MessagesQuerySchema },
  responses: { 200: json(pageOf(MessageSchema), "A page of messages"), ...problems(400, 401, 404) },
});

const sendRoute = createRoute({
  method: "post",
  path: "/{id}/messages",
  tags,
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  summary: "Send a message (same effect as the socket's `send`); a resend of a clientMsgId returns the original",
  description: "The clientMsgId is the idempotency key; a replay answers 201 with `Idempotent-Replayed: true`.",
  request: { params: RoomParamSchema, body: jsonBody(SendMessageBodySchema) },
  responses: { 201: json(MessageSchema, "The stored message"), ...problems(400, 401, 404, 413, 415, 422, 429) },
});

const readRoute = createRoute({
  method: "post",
  path: "/{id}/read",
  tags,
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  summary: "Move my read cursor forward (drives `unread`)",
  request: { params: RoomParamSchema, body: jsonBody(ReadBodySchema) },
  responses: { ...noContent("Saved"), ...problems(400, 401, 404, 413, 415, 422, 429) },
});

const socketRoute = createRoute({
  method: "get",
  path: "/{id}/ws",
  tags,
  summary: "WebSocket: the room's live messages, presence and typing; `?since=` resumes",
  description: `Subprotocols: \`${SUBPROTOCOL}, bearer.<accessToken>\`. Frames: see API.md "Room socket frames".`,
  request: { params: RoomParamSchema, query: SocketQuerySchema },
  responses: {
    101: { description: "Switching protocols" },
    ...problems(400, 401, 403, 404, 429),
    426: { description: "Not a WebSocket upgrade (upgrade_required)" },
  },
});

export const roomRoutes = createRouter()
  .openapi(createRoomRoute, async (c) => {
    const room = await createRoom(c.var.db, c.env, c.var.auth.id, c.req.valid("json"));
    c.var.log.info("room created", { roomId: room.id, kind: room.kind });
    return c.json(room, 201);
  })
  .openapi(myRoomsRoute, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const after = cursor ? readCursor(cursor, MyRoomsCursorSchema) : undefined;
    // One call to one object, the caller's inbox.
    const { items, next } = await inboxStub(c.env, c.var.auth.id).rooms(c.var.auth.id, limit, after);
    return c.json({ items, nextCursor: next ? encodeCursor(next) : null }, 200);
  })
  .openapi(publicRoomsRoute, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const after = cursor ? readCursor(cursor, PublicRoomsCursorSchema).id : undefined;
    const { rows, more } = await listPublicChannels(c.var.db, limit, after);
    const items = rows.map((r) => toPublicRoom(r.room, r.memberCount, undefined));
    const tail = items.at(-1);
    return c.json({ items, nextCursor: more && tail ? encodeCursor({ id: tail.id }) : null }, 200);
  })
  .openapi(getRoomRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { room, role } = await visibleRoom(c.var.db, id, c.var.auth.id);
    const shown = toPublicRoom(room, await memberCount(c.var.db, id), role);
    // A direct room is named after the other member.
    const peer = room.kind === "direct" ? await directPeer(c.var.db, id, c.var.auth.id) : undefined;
    return c.json(peer ? { ...shown, name: peer.username, peer } : shown, 200);
  })
  .openapi(joinRoute, async (c) => {
    await joinRoom(c.var.db, c.env, c.req.valid("param").id, c.var.auth.id);
    return c.body(null, 204);
  })
  .openapi(leaveRoute, async (c) => {
    await leaveRoom(c.var.db, c.env, c.req.valid("param").id, c.var.auth.id);
    return c.body(null, 204);
  })
  .openapi(addMemberRoute, async (c) => {
    await addMember(c.var.db, c.env, c.req.valid("param").id, c.var.auth.id, c.req.valid("json"));
    return c.body(null, 204);
  })
  .openapi(removeMemberRoute, async (c) => {
    const { id, userId } = c.req.valid("param");
    await removeMember(c.var.db, c.env, id, c.var.auth.id, userId);
    return c.body(null, 204);
  })
  .openapi(historyRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { limit, cursor, after, before } = c.req.valid("query");
    const given = [cursor, after, before].filter((v) => v !== undefined).length;
    if (given > 1) throw errors.validation([{ path: "query", message: "Use one of after, before and cursor." }]);
    await requireMember(c.var.db, id, c.var.auth.id);
    const query = cursor
      ? readCursor(cursor, MessageCursorSchema)
      : after !== undefined
        ? { after }
        : before !== undefined
          ? { before }
          : undefined;
    const { items, next } = await pageMessages(c.var.db, c.env, id, c.var.auth.id, query, limit);
    return c.json({ items, nextCursor: next ? encodeCursor(next) : null }, 200);
  })
  .openapi(sendRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { clientMsgId, body } = c.req.valid("json");
    await requireMember(c.var.db, id, c.var.auth.id);
    const sender = { userId: c.var.auth.id, username: c.var.auth.username };
    const { message, created } = await sendMessage(c.env, id, sender, clientMsgId, body);
    if (!created) c.header("Idempotent-Replayed", "true");
    return c.json(message, 201);
  })
  .openapi(readRoute, async (c) => {
    const { id } = c.req.valid("param");
    await requireMember(c.var.db, id, c.var.auth.id);
    await markRead(c.var.db, c.env, id, c.var.auth.id, c.req.valid("json").seq);
    return c.body(null, 204);
  })
  .openapi(socketRoute, async (c) => {
    const { id } = c.req.valid("param");
    const user = await authorizeUpgrade(c);
    await requireMemberNotBanned(c.var.db, id, user.id);
    const res = await forwardUpgrade(roomStub(c.env, id), c, user, { [ROOM_ID_HEADER]: id });
    if (res.status === 404) throw errors.notFound("room");
    return res;
  });

// Instant messaging routes (API.md "Rooms" and its IM additions): direct rooms, editing and
// deleting messages, blocking, and Web Push subscriptions. A room the caller may not see is 404.
import { createRoute, z } from "@hono/zod-openapi";
import { requireAuth } from "../auth/middleware";
import { errors } from "../errors";
import { bearerSecurity, createRouter, json, jsonBody, problems } from "../lib/openapi";
import { pushEndpointRefusal } from "../lib/push-endpoint";
import { limitWrites } from "../middleware/write-limit";
import { IdParamSchema } from "../schemas/common";
import {
  DirectRoomBodySchema,
  EditMessageBodySchema,
  MessageParamSchema,
  PushSubscriptionBodySchema,
  PushSubscriptionSchema,
  SubscriptionParamSchema,
  VapidKeySchema,
} from "../schemas/im";
import { MessageSchema, RoomSchema } from "../schemas/rooms";
import { blockUser, unblockUser } from "../services/blocks";
import { openDirectRoom } from "../services/direct-rooms";
import { inboxStub } from "../services/inbox-sync";
import { deleteRoomMessage } from "../services/moderation/message-removal";
import { changeMessage } from "../services/room-messages";
import { requireMember } from "../services/rooms";

const directRoute = createRoute({
  method: "post",
  path: "/rooms/direct",
  tags: ["Rooms"],
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  summary: "The direct room with a user, created on the first call (one per pair, whoever asks first)",
  request: { body: jsonBody(DirectRoomBodySchema) },
  responses: {
    200: json(RoomSchema, "The existing room"),
    201: json(RoomSchema, "The room, just created"),
    ...problems(400, 401, 413, 415, 422, 429),
  },
});

const editRoute = createRoute({
  method: "patch",
  path: "/rooms/{id}/messages/{seq}",
  tags: ["Rooms"],
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  summary: "Edit my message (within IM_EDIT_WINDOW_SECONDS); broadcast as an `edited` entry with its own seq",
  request: { params: MessageParamSchema, body: jsonBody(EditMessageBodySchema) },
  responses: {
    200: json(MessageSchema, "The message in its new state"),
    ...problems(400, 401, 403, 404, 409, 413, 415, 422, 429),
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/rooms/{id}/messages/{seq}",
  tags: ["Rooms"],
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  summary:
    "Delete my message (within IM_EDIT_WINDOW_SECONDS), or any message as the room's owner or an admin or a site moderator (audited); broadcast as a `deleted` entry with its own seq",
  request: { params: MessageParamSchema },
  responses: { 204: { description: "Deleted (or already deleted)" }, ...problems(400, 401, 403, 404, 422, 429) },
});

const blockRoute = createRoute({
  method: "post",
  path: "/users/{id}/block",
  tags: ["Accounts"],
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  summary: "Block a user: their direct messages to me are refused (403 blocked); history stays",
  request: { params: IdParamSchema },
  responses: { 204: { description: "Blocked" }, ...problems(400, 401, 404, 422, 429) },
});

const unblockRoute = createRoute({
  method: "delete",
  path: "/users/{id}/block",
  tags: ["Accounts"],
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  summary: "Unblock a user (idempotent)",
  request: { params: IdParamSchema },
  responses: { 204: { description: "Not blocked" }, ...problems(400, 401, 404, 429) },
});

const subscribeRoute = createRoute({
  method: "post",
  path: "/push/subscriptions",
  tags: ["Inbox"],
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  summary: "Register a Web Push subscription: I get a push when a message arrives and no device of mine is connected",
  request: { body: jsonBody(PushSubscriptionBodySchema) },
  responses: {
    201: json(PushSubscriptionSchema, "The subscription (same endpoint: refreshed)"),
    ...problems(400, 401, 413, 415, 422, 429),
  },
});

const subscriptionsRoute = createRoute({
  method: "get",
  path: "/push/subscriptions",
  tags: ["Inbox"],
  security: bearerSecurity,
  middleware: [requireAuth()] as const,
  summary: "My push subscriptions",
  responses: { 200: json(z.object({ items: z.array(PushSubscriptionSchema) }), "Subscriptions"), ...problems(401) },
});

const unsubscribeRoute = createRoute({
  method: "delete",
  path: "/push/subscriptions/{id}",
  tags: ["Inbox"],
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  summary: "Remove a push subscription",
  request: { params: SubscriptionParamSchema },
  responses: { 204: { description: "Removed" }, ...problems(400, 401, 404, 429) },
});

const vapidRoute = createRoute({
  method: "get",
  path: "/push/vapid-public-key",
  tags: ["Inbox"],
  security: bearerSecurity,
  middleware: [requireAuth()] as const,
  summary: "The VAPID public key to subscribe with (applicationServerKey)",
  responses: { 200: json(VapidKeySchema, "The key"), ...problems(401) },
});

export const imRoutes = createRouter()
  .openapi(directRoute, async (c) => {
    const { room, created } = await openDirectRoom(c.var.db, c.env, c.var.auth, c.req.valid("json").userId);
    if (created) c.var.log.info("direct room created", { roomId: room.id });
    return created ? c.json(room, 201) : c.json(room, 200);
  })
  .openapi(editRoute, async (c) => {
    const { id, seq } = c.req.valid("param");
    await requireMember(c.var.db, id, c.var.auth.id);
    const message = await changeMessage(c.env, id, c.var.auth.id, seq, c.req.valid("json").body);
    return c.json(message, 200);
  })
  .openapi(deleteRoute, async (c) => {
    const { id, seq } = c.req.valid("param");
    await deleteRoomMessage(c.var.db, c.env, id, c.var.auth.id, seq);
    return c.body(null, 204);
  })
  .openapi(blockRoute, async (c) => {
    await blockUser(c.var.db, c.env, c.var.auth.id, c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(unblockRoute, async (c) => {
    await unblockUser(c.var.db, c.env, c.var.auth.id, c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(subscribeRoute, async (c) => {
    const { endpoint, keys } = c.req.valid("json");
    const refusal = pushEndpointRefusal(endpoint, c.var.config.im.pushServiceHosts);
    if (refusal) throw errors.unprocessable(refusal.code, refusal.detail);
    const sub = await inboxStub(c.env, c.var.auth.id).addPushSubscription(
      { endpoint, p256dh: keys.p256dh, auth: keys.auth },
      c.var.auth.id,
    );
    return c.json(sub, 201);
  })
  .openapi(subscriptionsRoute, async (c) => {
    const items = await inboxStub(c.env, c.var.auth.id).pushSubscriptions();
    return c.json({ items }, 200);
  })
  .openapi(unsubscribeRoute, async (c) => {
    if (!(await inboxStub(c.env, c.var.auth.id).removePushSubscription(c.req.valid("param").id)))
      throw errors.notFound("subscription");
    return c.body(null, 204);
  })
  .openapi(vapidRoute, (c) => c.json({ publicKey: c.var.config.im.vapid?.publicKey ?? null }, 200));

// Room moderation under /v1/rooms: member roles (owner and admins), and mutes and bans (the
// room's owner, admins and moderators, or a site moderator).
import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../auth/middleware";
import { bearerSecurity, createRouter, json, jsonBody, problems } from "../lib/openapi";
import { limitWrites } from "../middleware/write-limit";
import {
  MemberRoleBodySchema,
  MemberRoleSchema,
  RoomBanBodySchema,
  RoomBanSchema,
  RoomMuteBodySchema,
  RoomMuteSchema,
} from "../schemas/moderation";
import { MemberParamSchema, RoomParamSchema } from "../schemas/rooms";
import { banFromRoom, liftRoomBan } from "../services/moderation/room-bans";
import { muteInRoom, unmuteInRoom } from "../services/moderation/room-mutes";
import { setMemberRole } from "../services/moderation/room-roles";

const tags = ["Rooms"];

const banRoute = createRoute({
  method: "post",
  path: "/{id}/bans",
  tags,
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  summary: "Ban a user from a room: removed at once (sockets closed with 4003), cannot join or reconnect while banned",
  request: { params: RoomParamSchema, body: jsonBody(RoomBanBodySchema) },
  responses: { 200: json(RoomBanSchema, "The ban"), ...problems(400, 401, 403, 404, 413, 415, 422, 429) },
});

const liftRoute = createRoute({
  method: "delete",
  path: "/{id}/bans/{userId}",
  tags,
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  summary: "Lift a room ban (idempotent)",
  request: { params: MemberParamSchema },
  responses: { 204: { description: "Not banned" }, ...problems(400, 401, 403, 404, 422, 429) },
});

const muteRoute = createRoute({
  method: "post",
  path: "/{id}/mutes",
  tags,
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  summary: "Mute a member until a time: they may read, and their sends are refused with `muted` and `until`",
  request: { params: RoomParamSchema, body: jsonBody(RoomMuteBodySchema) },
  responses: { 200: json(RoomMuteSchema, "The mute"), ...problems(400, 401, 403, 404, 413, 415, 422, 429) },
});

const unmuteRoute = createRoute({
  method: "delete",
  path: "/{id}/mutes/{userId}",
  tags,
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  summary: "Lift a mute (idempotent)",
  request: { params: MemberParamSchema },
  responses: { 204: { description: "Not muted" }, ...problems(400, 401, 403, 404, 422, 429) },
});

const roleRoute = createRoute({
  method: "patch",
  path: "/{id}/members/{userId}",
  tags,
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  summary: "Set a member's room role (owner and admins; only the owner makes or unmakes admins)",
  request: { params: MemberParamSchema, body: jsonBody(MemberRoleBodySchema) },
  responses: { 200: json(MemberRoleSchema, "The new role"), ...problems(400, 401, 403, 404, 409, 413, 415, 422, 429) },
});

export const roomSanctionRoutes = createRouter()
  .openapi(roleRoute, async (c) => {
    const { id, userId } = c.req.valid("param");
    const result = await setMemberRole(c.var.db, c.env, id, c.var.auth.id, userId, c.req.valid("json").role);
    return c.json(result, 200);
  })
  .openapi(muteRoute, async (c) => {
    const { userId, until } = c.req.valid("json");
    const mute = await muteInRoom(c.var.db, c.env, c.req.valid("param").id, c.var.auth.id, {
      userId,
      until: new Date(until),
    });
    return c.json(mute, 200);
  })
  .openapi(unmuteRoute, async (c) => {
    const { id, userId } = c.req.valid("param");
    await unmuteInRoom(c.var.db, c.env, id, c.var.auth.id, userId);
    return c.body(null, 204);
  })
  .openapi(banRoute, async (c) => {
    const { userId, until, reason } = c.req.valid("json");
    const input = { userId, reason, ...(until ? { until: new Date(until) } : {}) };
    const ban = await banFromRoom(c.var.db, c.env, c.req.valid("param").id, c.var.auth.id, input);
    return c.json(ban, 200);
  })
  .openapi(liftRoute, async (c) => {
    const { id, userId } = c.req.valid("param");
    await liftRoomBan(c.var.db, id, c.var.auth.id, userId);
    return c.body(null, 204);
  });

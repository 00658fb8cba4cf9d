// A member's notification settings for a room under /v1/rooms (decision 0086): `notify` level
// and `muteUntil`, honoured by push; unread counts are never affected.
import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../auth/middleware";
import { bearerSecurity, createRouter, json, jsonBody, problems } from "../lib/openapi";
import { limitWrites } from "../middleware/write-limit";
import { RoomParamSchema, RoomSettingsBodySchema, RoomSettingsSchema } from "../schemas/rooms";
import { roomSettingsOf, updateRoomSettings } from "../services/room-settings";

const tags = ["Rooms"];

const getRoute = createRoute({
  method: "get",
  path: "/{id}/settings",
  tags,
  security: bearerSecurity,
  middleware: [requireAuth()] as const,
  summary: "My notification settings for a room",
  request: { params: RoomParamSchema },
  responses: { 200: json(RoomSettingsSchema, "My settings"), ...problems(400, 401, 404) },
});

const putRoute = createRoute({
  method: "put",
  path: "/{id}/settings",
  tags,
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  summary:
    "Set my notification settings for a room: push all, only mentions or none, and optionally mute until a time (unread still counts)",
  request: { params: RoomParamSchema, body: jsonBody(RoomSettingsBodySchema) },
  responses: { 200: json(RoomSettingsSchema, "My settings"), ...problems(400, 401, 404, 413, 415, 429) },
});

export const roomSettingsRoutes = createRouter()
  .openapi(getRoute, async (c) =>
    c.json(await roomSettingsOf(c.var.db, c.env, c.req.valid("param").id, c.var.auth.id), 200),
  )
  .openapi(putRoute, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await updateRoomSettings(c.var.db, c.env, id, c.var.auth.id, c.req.valid("json")), 200);
  });

// Reactions on room messages (API.md "Reactions"): put or take away my emoji on a message.
// A room the caller may not see is 404, as for every message route.
import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../auth/middleware";
import { bearerSecurity, createRouter, problems } from "../lib/openapi";
import { limitWrites } from "../middleware/write-limit";
import { ReactionParamSchema } from "../schemas/reactions";
import { setReaction } from "../services/reactions";
import { requireMember } from "../services/rooms";

const path = "/rooms/{id}/messages/{seq}/reactions/{emoji}";
const tags = ["Rooms"];

const addRoute = createRoute({
  method: "put",
  path,
  tags,
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  summary: "React to a message with an emoji (idempotent); sockets get a `reaction` frame",
  description:
    "At most 20 distinct emoji per message (`422 too_many_reactions`); a missing or deleted message is `404 message_not_found`; a muted member is `403 muted`.",
  request: { params: ReactionParamSchema },
  responses: { 204: { description: "Reacted (or already had)" }, ...problems(400, 401, 403, 404, 422, 429) },
});

const removeRoute = createRoute({
  method: "delete",
  path,
  tags,
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  summary: "Take my reaction away (idempotent); sockets get a `reaction` frame",
  request: { params: ReactionParamSchema },
  responses: { 204: { description: "Not reacted (any more)" }, ...problems(400, 401, 404, 429) },
});

export const reactionRoutes = createRouter()
  .openapi(addRoute, async (c) => {
    const { id, seq, emoji } = c.req.valid("param");
    await requireMember(c.var.db, id, c.var.auth.id);
    await setReaction(c.env, id, c.var.auth.id, seq, emoji, "add");
    return c.body(null, 204);
  })
  .openapi(removeRoute, async (c) => {
    const { id, seq, emoji } = c.req.valid("param");
    await requireMember(c.var.db, id, c.var.auth.id);
    await setReaction(c.env, id, c.var.auth.id, seq, emoji, "remove");
    return c.body(null, 204);
  });

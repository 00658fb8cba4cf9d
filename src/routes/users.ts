// Profiles and the follow graph: /v1/me, /v1/users/:id, follow and unfollow.
import { createRoute, z } from "@hono/zod-openapi";
import { requireAuth } from "../auth/middleware";
import { errors } from "../errors";
import { bearerSecurity, createRouter, json, problems } from "../lib/openapi";
import { limitWrites } from "../middleware/write-limit";
import { IdParamSchema } from "../schemas/common";
import { UsernameSchema, UserSchema } from "../schemas/users";
import { follow, isFollowing, unfollow } from "../services/follows";
import { profileOf } from "../services/profile-cache";
import { findUserByUsername } from "../services/users";

const ProfileSchema = UserSchema.extend({
  followedByMe: z.boolean().openapi({ description: "Whether the caller follows this user" }),
}).openapi("Profile");

const meRoute = createRoute({
  method: "get",
  path: "/me",
  tags: ["Accounts"],
  summary: "The caller's account",
  security: bearerSecurity,
  middleware: [requireAuth()] as const,
  responses: { 200: json(UserSchema, "The caller"), ...problems(401) },
});

const userRoute = createRoute({
  method: "get",
  path: "/users/{id}",
  tags: ["Accounts"],
  summary: "A user's public profile",
  security: bearerSecurity,
  middleware: [requireAuth()] as const,
  request: { params: IdParamSchema },
  responses: { 200: json(ProfileSchema, "The user"), ...problems(400, 401, 404) },
});

// ---- web: the client finds people by name (to message them or add them to a group).
const usernameRoute = createRoute({
  method: "get",
  path: "/usernames/{username}",
  tags: ["Accounts"],
  summary: "A user's public profile, found by username",
  security: bearerSecurity,
  middleware: [requireAuth()] as const,
  request: { params: z.object({ username: UsernameSchema.openapi({ param: { name: "username", in: "path" } }) }) },
  responses: { 200: json(ProfileSchema, "The user"), ...problems(400, 401, 404) },
});

const followRoute = createRoute({
  method: "post",
  path: "/users/{id}/follow",
  tags: ["Accounts"],
  summary: "Follow a user (idempotent)",
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  request: { params: IdParamSchema },
  responses: { 204: { description: "Following" }, ...problems(400, 401, 404, 422, 429) },
});

const unfollowRoute = createRoute({
  method: "delete",
  path: "/users/{id}/follow",
  tags: ["Accounts"],
  summary: "Stop following a user (idempotent)",
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  request: { params: IdParamSchema },
  responses: { 204: { description: "Not following" }, ...problems(400, 401, 404, 429) },
});

export const userRoutes = createRouter()
  .openapi(meRoute, async (c) => {
    return c.json(await profileOf(c.var.db, c.var.auth.id, c.var.config.profileCacheMs), 200);
  })
  .openapi(userRoute, async (c) => {
    const { id } = c.req.valid("param");
    const me = c.var.auth.id;
    const [profile, followedByMe] = await Promise.all([
      profileOf(c.var.db, id, c.var.config.profileCacheMs),
      isFollowing(c.var.db, me, id),
    ]);
    return c.json({ ...profile, followedByMe }, 200);
  })
  .openapi(usernameRoute, async (c) => {
    const row = await findUserByUsername(c.var.db, c.req.valid("param").username);
    if (!row) throw errors.notFound("user");
    const me = c.var.auth.id;
    const [profile, followedByMe] = await Promise.all([
      profileOf(c.var.db, row.id, c.var.config.profileCacheMs),
      isFollowing(c.var.db, me, row.id),
    ]);
    return c.json({ ...profile, followedByMe }, 200);
  })
  .openapi(followRoute, async (c) => {
    await follow(c.var.db, c.env.EVENTS, c.var.auth.id, c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(unfollowRoute, async (c) => {
    await unfollow(c.var.db, c.var.auth.id, c.req.valid("param").id);
    return c.body(null, 204);
  });

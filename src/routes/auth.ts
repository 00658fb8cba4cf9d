// Accounts and sessions: register, login, refresh, logout (API.md "Accounts").
import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../auth/middleware";
import { burnPasswordCheck, hashPassword, verifyPassword } from "../auth/passwords";
import { errors } from "../errors";
import { bearerSecurity, createRouter, json, jsonBody, problems } from "../lib/openapi";
import { clientIp, enforceRateLimit, rateLimit } from "../middleware/rate-limit";
import {
  AuthResultSchema,
  LoginBodySchema,
  RefreshBodySchema,
  RegisterBodySchema,
  TokensSchema,
} from "../schemas/users";
import { closeSessionSockets } from "../services/session-sockets";
import { revokeSession, rotateRefreshToken, startSession } from "../services/sessions";
import { activeSuspension } from "../services/moderation/visibility";
import { createUser, findUserByUsername, toPublicUser, updatePasswordHash } from "../services/users";

/** Login and register attempts count against the caller's IP before anything else runs. */
const limitByIp = (action: string) =>
  rateLimit({ limiter: (env) => env.AUTH_LIMITER, keys: (c) => [`${action}:ip:${clientIp(c)}`] });

const registerRoute = createRoute({
  method: "post",
  path: "/register",
  tags: ["Accounts"],
  summary: "Create an account and start a session",
  middleware: [limitByIp("register")] as const,
  request: { body: jsonBody(RegisterBodySchema) },
  responses: {
    201: json(AuthResultSchema, "Account created"),
    ...problems(400, 409, 413, 415, 429),
  },
});

const loginRoute = createRoute({
  method: "post",
  path: "/login",
  tags: ["Accounts"],
  summary: "Start a session",
  middleware: [limitByIp("login")] as const,
  request: { body: jsonBody(LoginBodySchema) },
  responses: {
    200: json(AuthResultSchema, "Logged in"),
    ...problems(400, 401, 403, 413, 415, 429),
  },
});

const refreshRoute = createRoute({
  method: "post",
  path: "/refresh",
  tags: ["Accounts"],
  summary: "Exchange a refresh token for a new pair (rotates; reuse revokes the session)",
  request: { body: jsonBody(RefreshBodySchema) },
  responses: {
    200: json(TokensSchema, "New tokens"),
    ...problems(400, 401, 403, 413, 415),
  },
});

const logoutRoute = createRoute({
  method: "post",
  path: "/logout",
  tags: ["Accounts"],
  summary: "End this session: its refresh token dies, its access tokens stop working, its sockets close",
  security: bearerSecurity,
  middleware: [requireAuth()] as const,
  responses: {
    204: { description: "Logged out" },
    ...problems(401),
  },
});

export const authRoutes = createRouter()
  .openapi(registerRoute, async (c) => {
    const body = c.req.valid("json");
    const { db, config } = c.var;
    const user = await createUser(db, body, config.password);
    const tokens = await startSession(db, config, user, undefined);
    c.var.log.info("user registered", { userId: user.id });
    return c.json(
      {
        user: toPublicUser(user),
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        expiresIn: tokens.expiresIn,
      },
      201,
    );
  })
  .openapi(loginRoute, async (c) => {
    const body = c.req.valid("json");
    const { db, config } = c.var;
    const username = body.username.toLowerCase();
    await enforceRateLimit(c, { limiter: (env) => env.AUTH_LIMITER, keys: () => [`login:user:${username}`] });
    const user = await findUserByUsername(db, username);
    if (!user) {
      await burnPasswordCheck(body.password, config.password);
      throw errors.invalidCredentials();
    }
    const check = await verifyPassword(body.password, user.passwordHash, config.password);
    if (!check.ok) throw errors.invalidCredentials();
    // Only after the password: a suspension is not disclosed to someone guessing.
    const suspension = activeSuspension(user);
    if (suspension) throw errors.suspended(suspension.until?.toISOString() ?? null);
    if (check.needsRehash) {
      await updatePasswordHash(db, user.id, await hashPassword(body.password, config.password));
    }
    const tokens = await startSession(db, config, user, body.deviceId);
    c.var.log.info("user logged in", { userId: user.id });
    return c.json(
      {
        user: toPublicUser(user),
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        expiresIn: tokens.expiresIn,
      },
      200,
    );
  })
  .openapi(refreshRoute, async (c) => {
    const { refreshToken } = c.req.valid("json");
    const tokens = await rotateRefreshToken(c.var.db, c.env.CACHE, c.var.config, refreshToken);
    return c.json(tokens, 200);
  })
  .openapi(logoutRoute, async (c) => {
    const { id, sid } = c.var.auth;
    await revokeSession(c.var.db, c.env.CACHE, c.var.config, sid, "logout");
    await closeSessionSockets(c.env, c.var.db, id, sid);
    c.var.log.info("user logged out", { userId: id });
    return c.body(null, 204);
  });

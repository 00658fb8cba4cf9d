// Bearer authentication for HTTP routes: a verified access token of a live session.
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv, AuthUser } from "../env";
import { errors } from "../errors";
import { sessionDenial } from "../services/deny-list";
import { suspensionFromDenial } from "../services/moderation/suspension-reason";
import { verifyAccessToken } from "./tokens";

/**
 * Verifies an access token string and that its session is still live; undefined if not. A
 * session revoked by a suspension answers 403 `suspended` instead, so clients can tell.
 */
export async function authenticateToken(c: Context<AppEnv>, token: string): Promise<AuthUser | undefined> {
  const claims = await verifyAccessToken(token, c.get("config").jwt);
  if (!claims) return undefined;
  const denial = await sessionDenial(c.env.CACHE, claims.sid, c.get("config").denyCacheMs);
  if (denial !== undefined) {
    const suspension = suspensionFromDenial(denial);
    if (suspension) throw errors.suspended(suspension.until);
    return undefined;
  }
  return { id: claims.sub, username: claims.username, sid: claims.sid };
}

function bearerToken(header: string | undefined): string | undefined {
  // The scheme is case-insensitive (RFC 7235); the token is base64url segments.
  const match = header?.match(/^Bearer ([A-Za-z0-9._~+/-]+=*)$/i);
  return match?.[1];
}

/** Requires `Authorization: Bearer <accessToken>`; sets `auth`. Every failure is a bare 401. */
export function requireAuth() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const token = bearerToken(c.req.header("Authorization"));
    const user = token ? await authenticateToken(c, token) : undefined;
    if (!user) throw errors.unauthorized();
    c.set("auth", user);
    await next();
  });
}

/**
 * Authenticates the caller when an Authorization header is present (a bad token is still a
 * bare 401); without one the request goes on anonymously and `auth` stays unset.
 */
export function optionalAuth() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header("Authorization");
    if (header !== undefined) {
      const token = bearerToken(header);
      const user = token ? await authenticateToken(c, token) : undefined;
      if (!user) throw errors.unauthorized();
      c.set("auth", user);
    }
    await next();
  });
}

/** The authenticated caller's id, or undefined on an anonymous request (see {@link optionalAuth}). */
export function callerId(c: Context<AppEnv>): string | undefined {
  return (c.get("auth") as AuthUser | undefined)?.id;
}

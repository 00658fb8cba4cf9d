// Sessions (the seed's session pool): one row per login, refresh tokens rotated inside it,
// and a KV deny-list keyed by session id so revoked sessions' access tokens stop at once.
import { and, eq, isNull } from "drizzle-orm";
import { hashRefreshToken, newRefreshToken, signAccessToken } from "../auth/tokens";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { refreshTokens, sessions, users } from "../db/schema";
import { errors } from "../errors";
import { denySession } from "./deny-list";
import { activeSuspension } from "./moderation/visibility";
import { newId } from "../lib/ids";
import type { UserRow } from "./users";

/** What a client receives after login, register or refresh. */
export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/** Starts a session for `user` on one device and returns its first tokens. */
export async function startSession(
  db: Db,
  config: Config,
  user: UserRow,
  deviceId: string | undefined,
  now = Date.now(),
): Promise<IssuedTokens & { sessionId: string }> {
  const sessionId = newId();
  const refresh = await newRefreshToken();
  await db.batch([
    db.insert(sessions).values({
      id: sessionId,
      userId: user.id,
      deviceId: deviceId ?? null,
      lastUsedAt: new Date(now),
      expiresAt: new Date(now + config.refreshTtlSeconds * 1000),
    }),
    db.insert(refreshTokens).values({ tokenHash: refresh.hash, sessionId }),
  ]);
  const accessToken = await signAccessToken({ userId: user.id, sessionId, username: user.username }, config.jwt, now);
  return { sessionId, accessToken, refreshToken: refresh.token, expiresIn: config.jwt.accessTtlSeconds };
}

/**
 * Exchanges a refresh token for a new pair. The presented token is spent; presenting a
 * spent token again (a stolen copy, or a replay) revokes the whole session, so both the
 * thief's and the owner's tokens die (RFC 6819 5.2.2.3). Every failure is a 401.
 */
export async function rotateRefreshToken(
  db: Db,
  kv: KVNamespace,
  config: Config,
  presented: string,
  now = Date.now(),
): Promise<IssuedTokens> {
  const tokenHash = await hashRefreshToken(presented);
  const row = await db
    .select({ token: refreshTokens, session: sessions, user: users })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(refreshTokens.tokenHash, tokenHash))
    .get();
  if (!row) throw errors.unauthorized("Unknown refresh token.");
  const { session, user } = row;
  const suspension = activeSuspension(user, now);
  if (suspension) throw errors.suspended(suspension.until?.toISOString() ?? null);
  if (session.revokedAt) throw errors.unauthorized("The session has ended.");
  if (session.expiresAt.getTime() <= now) throw errors.unauthorized("The session has expired.");

  // Spend the token; only one caller can win this conditional update.
  const spent = await db
    .update(refreshTokens)
    .set({ usedAt: new Date(now) })
    .where(and(eq(refreshTokens.tokenHash, tokenHash), isNull(refreshTokens.usedAt)))
    .returning({ tokenHash: refreshTokens.tokenHash });
  if (spent.length === 0) {
    await revokeSession(db, kv, config, session.id, "refresh_token_reused", now);
    throw errors.unauthorized("Refresh token reuse detected; the session was revoked.");
  }

  const refresh = await newRefreshToken();
  await db.batch([
    db.insert(refreshTokens).values({ tokenHash: refresh.hash, sessionId: session.id }),
    db
      .update(sessions)
      .set({ lastUsedAt: new Date(now), expiresAt: new Date(now + config.refreshTtlSeconds * 1000) })
      .where(eq(sessions.id, session.id)),
  ]);
  const accessToken = await signAccessToken(
    { userId: user.id, sessionId: session.id, username: user.username },
    config.jwt,
    now,
  );
  return { accessToken, refreshToken: refresh.token, expiresIn: config.jwt.accessTtlSeconds };
}

/**
 * Ends a session: its refresh tokens stop working (D1) and its access tokens are denied
 * until they would have expired anyway (KV). Idempotent.
 */
export async function revokeSession(
  db: Db,
  kv: KVNamespace,
  config: Config,
  sessionId: string,
  reason: string,
  now = Date.now(),
): Promise<void> {
  await db
    .update(sessions)
    .set({ revokedAt: new Date(now), revokedReason: reason })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
  await denySession(kv, sessionId, reason, config.jwt.accessTtlSeconds + 60, now);
}

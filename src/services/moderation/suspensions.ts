// Account suspension: every session revoked (its tokens answer 403 `suspended`), every socket
// closed, login refused, and the user's posts and comments hidden until it ends or is lifted.
import { and, desc, eq, gt, isNull } from "drizzle-orm";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { posts, sessions, users } from "../../db/schema";
import { errors } from "../../errors";
import { dropLive } from "../post-live";
import { forgetProfiles } from "../profile-cache";
import { closeSessionSockets } from "../session-sockets";
import { revokeSession } from "../sessions";
import { requireUser } from "../users";
import { auditStatement } from "./audit";
import { hasSiteRole, siteRoleOf } from "./roles";
import { suspensionReason } from "./suspension-reason";

export interface SuspensionView {
  userId: string;
  suspended: boolean;
  until: string | null;
  reason: string | null;
}

/** Who may act on whom: a moderator only on plain users, an admin on moderators and users too. */
async function requireOutranks(db: Db, actorId: string, targetRole: "user" | "moderator" | "admin"): Promise<void> {
  const actorRole = await siteRoleOf(db, actorId);
  const outranks = actorRole === "admin" ? targetRole !== "admin" : targetRole === "user";
  if (!outranks || !hasSiteRole(actorRole, "moderator")) {
    throw errors.forbidden("You cannot suspend a user with this role.");
  }
}

/**
 * Suspends user `targetId` until `until` (undefined: until lifted). Idempotent: suspending a
 * suspended user replaces the end and reason. Sessions are revoked and sockets closed before
 * this returns.
 */
export async function suspendUser(
  env: Env,
  db: Db,
  config: Config,
  actorId: string,
  targetId: string,
  input: { until?: Date | undefined; reason: string },
  now = Date.now(),
): Promise<SuspensionView> {
  const target = await requireUser(db, targetId);
  if (targetId === actorId) throw errors.unprocessable("cannot_suspend_self", "You cannot suspend yourself.");
  await requireOutranks(db, actorId, target.role);
  if (input.until && input.until.getTime() <= now) {
    throw errors.unprocessable("until_in_past", "`until` must be in the future.");
  }
  const until = input.until ?? null;
  await db.batch([
    db
      .update(users)
      .set({ suspendedAt: new Date(now), suspendedUntil: until, suspendReason: input.reason })
      .where(eq(users.id, targetId)),
    auditStatement(db, {
      actorId,
      action: "user.suspend",
      target: { kind: "user", id: targetId },
      note: input.reason,
      details: { until: until?.toISOString() ?? null },
    }),
  ]);
  forgetProfiles(targetId);
  await dropAuthorLive(env.CACHE, db, targetId);
  await endAllSessions(env, db, config, targetId, suspensionReason(until), now);
  return { userId: targetId, suspended: true, until: until?.toISOString() ?? null, reason: input.reason };
}

/** Lifts a suspension (idempotent): the user can log in again and their content reappears. */
export async function liftSuspension(
  cache: KVNamespace,
  db: Db,
  actorId: string,
  targetId: string,
  note: string | undefined,
): Promise<SuspensionView> {
  const target = await requireUser(db, targetId);
  await requireOutranks(db, actorId, target.role);
  await db.batch([
    db
      .update(users)
      .set({ suspendedAt: null, suspendedUntil: null, suspendReason: null })
      .where(eq(users.id, targetId)),
    auditStatement(db, { actorId, action: "user.unsuspend", target: { kind: "user", id: targetId }, note }),
  ]);
  forgetProfiles(targetId);
  await dropAuthorLive(cache, db, targetId);
  return { userId: targetId, suspended: false, until: null, reason: null };
}

/** How many of the author's newest posts have their cached live state dropped. */
const DROP_LIVE_POSTS = 500;

/**
 * Warm reads serve a post from its cached live state (decision 0075), which says nothing of the
 * author: dropping it sends the next read to D1, which hides (or shows again) the author's posts.
 * Older posts' entries, if any, expire within a minute (KV's TTL for live states).
 */
async function dropAuthorLive(cache: KVNamespace, db: Db, authorId: string): Promise<void> {
  const rows = await db
    .select({ id: posts.id })
    .from(posts)
    .where(and(eq(posts.authorId, authorId), isNull(posts.deletedAt)))
    .orderBy(desc(posts.id))
    .limit(DROP_LIVE_POSTS);
  await dropLive(
    cache,
    rows.map((r) => r.id),
  );
}

/** Revokes every live session of the user and closes the sockets each one holds. */
async function endAllSessions(env: Env, db: Db, config: Config, userId: string, reason: string, now: number) {
  const live = await db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, new Date(now))));
  for (const { id } of live) {
    await revokeSession(db, env.CACHE, config, id, reason, now);
    await closeSessionSockets(env, db, userId, id);
  }
}

// Follow graph. Each change recounts both users' counters in the same D1 batch
// (a transaction), so counters are exact and a repeated follow changes nothing.
import { and, count, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { follows, users } from "../db/schema";
import { errors } from "../errors";
import { newId } from "../lib/ids";
import { emitPostEvent } from "./post-events";
import { forgetProfiles } from "./profile-cache";
import { requireUser } from "./users";

function recountStatements(db: Db, followerId: string, followeeId: string) {
  return [
    db
      .update(users)
      .set({ followers: sql`(select count(*) from ${follows} where ${follows.followeeId} = ${followeeId})` })
      .where(eq(users.id, followeeId)),
    db
      .update(users)
      .set({ following: sql`(select count(*) from ${follows} where ${follows.followerId} = ${followerId})` })
      .where(eq(users.id, followerId)),
  ] as const;
}

/**
 * `followerId` follows `followeeId`; idempotent. Following yourself is a 422. A new follow
 * sends `user.followed` to `events` (the followee's notification, decision 0077).
 */
export async function follow(db: Db, events: Queue, followerId: string, followeeId: string): Promise<void> {
  if (followerId === followeeId) throw errors.unprocessable("cannot_follow_self", "You cannot follow yourself.");
  await requireUser(db, followeeId);
  const [inserted] = await db.batch([
    db.insert(follows).values({ followerId, followeeId }).onConflictDoNothing(),
    ...recountStatements(db, followerId, followeeId),
  ]);
  forgetProfiles(followerId, followeeId);
  if (inserted.meta.changes > 0) {
    await emitPostEvent(events, { type: "user.followed", id: newId(), at: Date.now(), followerId, followeeId });
  }
}

/** `followerId` stops following `followeeId`; idempotent. */
export async function unfollow(db: Db, followerId: string, followeeId: string): Promise<void> {
  await requireUser(db, followeeId);
  await db.batch([
    db.delete(follows).where(and(eq(follows.followerId, followerId), eq(follows.followeeId, followeeId))),
    ...recountStatements(db, followerId, followeeId),
  ]);
  forgetProfiles(followerId, followeeId);
}

/** True when `followerId` follows `followeeId`. */
export async function isFollowing(db: Db, followerId: string, followeeId: string): Promise<boolean> {
  const [row] = await db
    .select({ n: count() })
    .from(follows)
    .where(and(eq(follows.followerId, followerId), eq(follows.followeeId, followeeId)));
  return (row?.n ?? 0) > 0;
}

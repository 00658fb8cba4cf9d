// Whether an author's content is visible: a suspended author's posts and comments are hidden
// from every feed and read while the suspension lasts, and come back when it ends or is lifted.
import { sql } from "drizzle-orm";
import { users } from "../../db/schema";
import type { UserRow } from "../users";

/**
 * SQL true when the joined `users` row is not suspended now. No bound parameter (the clock is
 * SQLite's), so prepared statements and the 100-parameter budget are untouched.
 */
export const authorVisibleSql = sql`(${users.suspendedAt} IS NULL OR (${users.suspendedUntil} IS NOT NULL AND ${users.suspendedUntil} <= (unixepoch('subsec') * 1000)))`;

/** The suspension in force on `user` at `now`, or undefined. */
export function activeSuspension(
  user: Pick<UserRow, "suspendedAt" | "suspendedUntil">,
  now = Date.now(),
): { until: Date | null } | undefined {
  if (!user.suspendedAt) return undefined;
  if (user.suspendedUntil && user.suspendedUntil.getTime() <= now) return undefined;
  return { until: user.suspendedUntil };
}

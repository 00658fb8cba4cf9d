// Deletes sessions that expired or were revoked long ago (their refresh tokens cascade).
import { and, inArray, isNotNull, lt, or } from "drizzle-orm";
import type { Db } from "../db/client";
import { sessions } from "../db/schema";

/** Revoked sessions are kept this long so reuse of their tokens is still recognised and logged. */
const KEEP_REVOKED_MS = 7 * 86_400_000;
/** Bounded work per run; the next run continues. */
const MAX_PER_RUN = 500;
/** D1 allows 100 bound parameters per statement. */
const IDS_PER_DELETE = 90;

export async function sweepSessions(db: Db, now: number): Promise<{ deletedSessions: number }> {
  const stale = await db
    .select({ id: sessions.id })
    .from(sessions)
    .where(
      or(
        lt(sessions.expiresAt, new Date(now)),
        and(isNotNull(sessions.revokedAt), lt(sessions.revokedAt, new Date(now - KEEP_REVOKED_MS))),
      ),
    )
    .limit(MAX_PER_RUN);
  const ids = stale.map((s) => s.id);
  for (let i = 0; i < ids.length; i += IDS_PER_DELETE) {
    await db.delete(sessions).where(inArray(sessions.id, ids.slice(i, i + IDS_PER_DELETE)));
  }
  return { deletedSessions: ids.length };
}

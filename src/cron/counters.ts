// Counter reconciliation: post_stats.likes / comments are written by the EVENTS consumer, so a
// lost event (a crash before a local queue delivered it, a message past its retries in the
// DLQ) leaves a count wrong until the next like or comment of that post. Every run recounts
// the posts active in the last hour (liked, commented or created) from their rows and fixes
// the ones that drifted. Idempotent (a recount is exact whatever ran before), bounded (pages of
// ids through one JSON parameter, a cap per run) and cheap (index range scans on created_at).
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { Logger } from "../lib/log";

/** Posts liked, commented or created this recently are recounted (a run every 5 minutes sees each ~12 times). */
export const RECONCILE_WINDOW_MS = 3_600_000;
/** Posts per page: their ids travel as one JSON array, so D1's 100-parameter limit never applies. */
const POSTS_PER_PAGE = 200;
/** Most posts checked per run; the window is re-read next run, so a busy hour is covered over runs. */
const MAX_POSTS_PER_RUN = 5_000;

interface Drift {
  post_id: string;
  likes: number;
  comments: number;
  real_likes: number;
  real_comments: number;
}

export interface ReconcileOutcome {
  checked: number;
  corrected: number;
  /** Sum of |stored - counted| over the corrected posts. */
  likesDrift: number;
  commentsDrift: number;
}

/** Recounts likes and comments of recently active posts; logs one warning line when it fixed any. */
export async function reconcileCounters(db: Db, log: Logger, now: number): Promise<ReconcileOutcome> {
  const since = now - RECONCILE_WINDOW_MS;
  const outcome: ReconcileOutcome = { checked: 0, corrected: 0, likesDrift: 0, commentsDrift: 0 };
  let after = "";
  while (outcome.checked < MAX_POSTS_PER_RUN) {
    const page = await db.all<{ post_id: string }>(sql`
      SELECT post_id FROM (
        SELECT post_id FROM likes WHERE created_at > ${since}
        UNION SELECT post_id FROM comments WHERE created_at > ${since}
        UNION SELECT id AS post_id FROM posts WHERE created_at > ${since}
      ) WHERE post_id > ${after} ORDER BY post_id LIMIT ${POSTS_PER_PAGE}`);
    if (page.length === 0) break;
    outcome.checked += page.length;
    after = page.at(-1)!.post_id;
    const ids = JSON.stringify(page.map((p) => p.post_id));
    const drifted = await db.all<Drift>(sql`
      SELECT * FROM (
        SELECT ps.post_id, ps.likes, ps.comments,
          (SELECT count(*) FROM likes l WHERE l.post_id = ps.post_id) AS real_likes,
          (SELECT count(*) FROM comments c WHERE c.post_id = ps.post_id) AS real_comments
        FROM post_stats ps WHERE ps.post_id IN (SELECT value FROM json_each(${ids}))
      ) WHERE likes != real_likes OR comments != real_comments`);
    if (drifted.length > 0) {
      // Recounted again in the UPDATE, so a like the consumer applied in between is not undone.
      await db.run(sql`
        UPDATE post_stats SET
          likes = (SELECT count(*) FROM likes WHERE likes.post_id = post_stats.post_id),
          comments = (SELECT count(*) FROM comments WHERE comments.post_id = post_stats.post_id),
          likes_counted_at = unixepoch('subsec') * 1000
        WHERE post_id IN (SELECT value FROM json_each(${JSON.stringify(drifted.map((d) => d.post_id))}))`);
      outcome.corrected += drifted.length;
      for (const d of drifted) {
        outcome.likesDrift += Math.abs(d.likes - d.real_likes);
        outcome.commentsDrift += Math.abs(d.comments - d.real_comments);
      }
    }
    if (page.length < POSTS_PER_PAGE) break;
  }
  if (outcome.corrected > 0) log.warn("post counters drift corrected", { ...outcome });
  return outcome;
}

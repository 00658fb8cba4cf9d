// Folding a batch of feed events into per-post counter updates, written in one D1 batch
// (one transaction: all or nothing). Idempotent under redelivery:
// - likes and comments are recounted from their tables for the touched posts, so any
//   number of deliveries converges to the exact count;
// - views have no rows to count, so each view event's id is recorded in processed_events
//   in the same transaction, and only the events this batch newly recorded are added (an
//   event may stand for several views: its `count`).
// Every statement binds at most 3 parameters: id lists travel as one JSON array (json_each).
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { runBatch, statement } from "../db/statements";
import { newId } from "../lib/ids";
import type { PostEvent } from "../protocol/feed-events";
import { liveRowsStatement } from "./post-live";

/** The work one batch of events amounts to. */
export interface FoldedEvents {
  /** View events, one per event id (a duplicate in the batch is dropped; the insert ignores earlier ones); n views each. */
  views: { e: string; p: string; n: number }[];
  /** Posts whose likes changed. */
  likedPosts: string[];
  /** Posts that got comments. */
  commentedPosts: string[];
}

/** Folds events per post. Pure. */
export function foldPostEvents(events: readonly PostEvent[]): FoldedEvents {
  const views = new Map<string, FoldedEvents["views"][number]>();
  const liked = new Set<string>();
  const commented = new Set<string>();
  for (const event of events) {
    if (event.type === "post.viewed") views.set(event.id, { e: event.id, p: event.postId, n: event.count ?? 1 });
    else if (event.type === "post.commented") commented.add(event.postId);
    else if (event.type === "post.liked" || event.type === "post.unliked") liked.add(event.postId);
  }
  return { views: [...views.values()], likedPosts: [...liked], commentedPosts: [...commented] };
}

/** Every post a folded batch touches. */
export function touchedPosts(folded: FoldedEvents): string[] {
  return [...new Set([...folded.views.map((v) => v.p), ...folded.likedPosts, ...folded.commentedPosts])];
}

/**
 * Applies folded events to post_stats in one D1 batch. Throws (and changes nothing) on failure.
 * The batch ends by reading the touched posts' live state (one transaction: the state as
 * applied), which it returns for the caches (liveStatesOf).
 */
export async function applyPostEvents(db: Db, folded: FoldedEvents): Promise<D1Result | undefined> {
  const statements: D1PreparedStatement[] = [];
  if (folded.views.length > 0) {
    const batchId = newId();
    const viewedPosts = JSON.stringify([...new Set(folded.views.map((v) => v.p))]);
    const views = JSON.stringify(folded.views);
    statements.push(
      statement(
        db,
        sql`INSERT OR IGNORE INTO processed_events (event_id, post_id, batch_id)
        SELECT json_extract(value, '$.e'), json_extract(value, '$.p'), ${batchId} FROM json_each(${views})`,
      ),
      statement(
        db,
        sql`UPDATE post_stats SET views = views +
        (SELECT coalesce(sum(json_extract(v.value, '$.n')), 0) FROM json_each(${views}) v
          JOIN processed_events pe ON pe.event_id = json_extract(v.value, '$.e')
          WHERE pe.batch_id = ${batchId} AND pe.post_id = post_stats.post_id)
        WHERE post_id IN (SELECT value FROM json_each(${viewedPosts}))`,
      ),
    );
  }
  if (folded.likedPosts.length > 0) {
    statements.push(
      statement(
        db,
        sql`UPDATE post_stats SET likes = (SELECT count(*) FROM likes WHERE likes.post_id = post_stats.post_id),
        likes_counted_at = unixepoch('subsec') * 1000
        WHERE post_id IN (SELECT value FROM json_each(${JSON.stringify(folded.likedPosts)}))`,
      ),
    );
  }
  if (folded.commentedPosts.length > 0) {
    statements.push(
      statement(
        db,
        sql`UPDATE post_stats SET comments = (SELECT count(*) FROM comments WHERE comments.post_id = post_stats.post_id)
        WHERE post_id IN (SELECT value FROM json_each(${JSON.stringify(folded.commentedPosts)}))`,
      ),
    );
  }
  if (statements.length === 0) return undefined;
  statements.push(liveRowsStatement(db, touchedPosts(folded)));
  const results = await runBatch(db, statements);
  return results.at(-1);
}

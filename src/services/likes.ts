// Likes: the like row is written (or deleted) at once, so the caller's `liked` state is
// exact and idempotent (primary key post+user); the counter follows through the EVENTS
// queue, whose consumer recounts the likes table (docs/decisions/0011-likes-and-counters-through-events.md).
import { sql } from "drizzle-orm";
import { runBatch, statement } from "../db/statements";
import { errors } from "../errors";
import type { FeedContext } from "./feed-context";
import { emitPostEvent, postEvent } from "./post-events";
import { rememberViewerLike } from "./post-live";
import { livePostSql } from "./post-query";

export interface LikeState {
  liked: boolean;
  /** The stored count with the caller's own change in it (others' pending changes come within seconds). */
  likes: number;
}

interface StoredCount {
  likes: number;
  likes_counted_at: number;
  /** When the caller's like row was written; null when there is none. */
  liked_at: number | null;
}

/** Likes (`liked = true`) or unlikes a live post; repeating either changes nothing. 404 when the post is missing or deleted. */
export async function setLike(f: FeedContext, userId: string, postId: string, liked: boolean): Promise<LikeState> {
  const live = livePostSql(postId);
  // One round trip, one transaction: the row only changes while the post is live, and the
  // stored count is read together with the caller's row.
  const [found, change, stored] = await runBatch(f.db, [
    statement(f.db, live),
    statement(
      f.db,
      liked
        ? sql`INSERT OR IGNORE INTO likes (post_id, user_id) SELECT ${postId}, ${userId} WHERE EXISTS (${live})`
        : sql`DELETE FROM likes WHERE post_id = ${postId} AND user_id = ${userId} AND EXISTS (${live}) RETURNING created_at`,
    ),
    statement(
      f.db,
      sql`SELECT s.likes, s.likes_counted_at, l.created_at AS liked_at FROM post_stats s
        LEFT JOIN likes l ON l.post_id = s.post_id AND l.user_id = ${userId} WHERE s.post_id = ${postId}`,
    ),
  ]);
  if (!found?.results.length) throw errors.notFound("post");
  // Emitted even when nothing changed: the recount is idempotent, and a client retrying after
  // a failed send gets its count repaired.
  await emitPostEvent(f.events, postEvent(liked ? "post.liked" : "post.unliked", { postId, userId }));
  const count = stored?.results[0] as StoredCount | undefined;
  if (!count) return { liked, likes: 0 };
  // The recount stamps likes_counted_at: a like written after it is not in `likes` yet, and
  // a like deleted now that was written before it still is.
  const unlikedAt = (change?.results[0] as { created_at?: number } | undefined)?.created_at;
  // This isolate knows the caller's like at once; other isolates read through on the bookmark.
  rememberViewerLike(
    userId,
    postId,
    liked
      ? { liked, likedAt: count.liked_at, asOf: f.bookmark() }
      : { liked, likedAt: unlikedAt ?? null, changedAt: Date.now(), asOf: f.bookmark() },
    f.config.isolateCacheEntries,
  );
  const own = liked
    ? count.liked_at !== null && count.liked_at > count.likes_counted_at
      ? 1
      : 0
    : unlikedAt !== undefined && unlikedAt <= count.likes_counted_at
      ? -1
      : 0;
  return { liked, likes: Math.max(0, count.likes + own) };
}

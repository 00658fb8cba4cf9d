// Likes: the like row is written (or deleted) at once, so the caller's `liked` state is
// exact and idempotent (primary key post+user); the counter follows through the EVENTS
// queue, whose consumer recounts the likes table (docs/decisions/0011-likes-and-counters.md).
import { sql } from "drizzle-orm";
import { runBatch, statement } from "../db/statements";
import { errors } from "../errors";
import type { FeedContext } from "./feed-context";
import { emitPostEvent, postEvent } from "./post-events";

export interface LikeState {
  liked: boolean;
  /** The stored count adjusted by this change: exact once the queue has drained. */
  likes: number;
}

/** Likes (`liked = true`) or unlikes a live post; repeating either changes nothing. 404 when the post is missing or deleted. */
export async function setLike(f: FeedContext, userId: string, postId: string, liked: boolean): Promise<LikeState> {
  const live = sql`SELECT 1 FROM posts WHERE id = ${postId} AND deleted_at IS NULL`;
  // One round trip, one transaction: the row only changes while the post is live.
  const [found, change, stored] = await runBatch(f.db, [
    statement(f.db, live),
    statement(
      f.db,
      liked
        ? sql`INSERT OR IGNORE INTO likes (post_id, user_id) SELECT ${postId}, ${userId} WHERE EXISTS (${live})`
        : sql`DELETE FROM likes WHERE post_id = ${postId} AND user_id = ${userId} AND EXISTS (${live})`,
    ),
    statement(f.db, sql`SELECT likes FROM post_stats WHERE post_id = ${postId}`),
  ]);
  if (!found?.results.length) throw errors.notFound("post");
  // Emitted even when nothing changed: the recount is idempotent, and a client retrying after
  // a failed send gets its count repaired.
  await emitPostEvent(f.events, postEvent(liked ? "post.liked" : "post.unliked", { postId, userId }));
  const changed = (change?.meta.changes ?? 0) > 0 ? (liked ? 1 : -1) : 0;
  const storedLikes = Number((stored?.results[0] as { likes?: number } | undefined)?.likes ?? 0);
  return { liked, likes: Math.max(0, storedLikes + changed) };
}

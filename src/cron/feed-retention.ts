// Feed retention: forgets applied view-event ids once no redelivery can arrive, and purges
// posts deleted long ago (their likes, comments, images and counters go by cascade; their
// image objects are deleted from R2 first, so a failure leaves no unreachable object).
import { and, inArray, isNotNull, lt, sql } from "drizzle-orm";
import type { FeedConfig } from "../config";
import type { Db } from "../db/client";
import { postImages, posts } from "../db/schema";

/** Bounded work per run; the next run continues. */
const EVENTS_PER_DELETE = 5_000;
const MAX_EVENT_DELETES = 20;
const POSTS_PER_RUN = 200;
/** D1 allows 100 bound parameters per statement. */
const IDS_PER_STATEMENT = 90;

async function forgetProcessedEvents(db: Db, before: number): Promise<number> {
  let deleted = 0;
  for (let round = 0; round < MAX_EVENT_DELETES; round++) {
    const result = await db.run(
      sql`DELETE FROM processed_events WHERE rowid IN
        (SELECT rowid FROM processed_events WHERE processed_at < ${before} LIMIT ${EVENTS_PER_DELETE})`,
    );
    deleted += result.meta.changes;
    if (result.meta.changes < EVENTS_PER_DELETE) break;
  }
  return deleted;
}

async function purgeDeletedPosts(db: Db, media: R2Bucket, before: number): Promise<{ posts: number; images: number }> {
  const doomed = await db
    .select({ id: posts.id })
    .from(posts)
    .where(and(isNotNull(posts.deletedAt), lt(posts.deletedAt, new Date(before))))
    .limit(POSTS_PER_RUN);
  let images = 0;
  for (let i = 0; i < doomed.length; i += IDS_PER_STATEMENT) {
    const ids = doomed.slice(i, i + IDS_PER_STATEMENT).map((p) => p.id);
    const keys = await db.select({ key: postImages.mediaKey }).from(postImages).where(inArray(postImages.postId, ids));
    if (keys.length > 0) await media.delete(keys.map((k) => k.key));
    await db.delete(posts).where(inArray(posts.id, ids));
    images += keys.length;
  }
  return { posts: doomed.length, images };
}

export async function sweepFeedRetention(db: Db, media: R2Bucket, config: FeedConfig, now: number) {
  const forgottenEvents = await forgetProcessedEvents(db, now - config.processedEventRetentionMs);
  const purged = await purgeDeletedPosts(db, media, now - config.deletedPostRetentionMs);
  return { forgottenEvents, purgedPosts: purged.posts, purgedImages: purged.images };
}

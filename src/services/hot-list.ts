// The hot list: the cron scores recent posts (src/lib/hot-score.ts) and writes the top
// HOT_LIST_SIZE to KV; readers serve it from KV with live counters from the caches (0075).
import { and, asc, eq, gte, isNull, sql } from "drizzle-orm";
import type { FeedConfig } from "../config";
import type { Db } from "../db/client";
import { posts, postStats } from "../db/schema";
import { hotScore, TopK, type Scored } from "../lib/hot-score";
import type { FeedContext } from "./feed-context";
import { cachePost, evictPost } from "./post-cache";
import { queryPostsByIds, type PostView, type StaticPost } from "./post-query";
import { resolvePosts } from "./post-resolve";

const HOT_KEY = "hot:list";
/** The cron's period: every 5 minutes (wrangler.toml [triggers]). */
export const HOT_LIST_PERIOD_MS = 300_000;
/** A list older than two periods means the cron is not running (e.g. `wrangler dev`): readers refresh it. */
const STALE_AFTER_MS = 2 * HOT_LIST_PERIOD_MS;
/** Rows per scan query: few round trips, bounded memory per step. */
const SCAN_CHUNK = 5_000;

export interface StoredHotList {
  refreshedAt: string;
  items: { post: StaticPost; score: number }[];
}

export interface HotListRefresh {
  list: StoredHotList;
  scanned: number;
  evicted: number;
}

/** Scores every live, engaged post of the window and returns the top `size`, best first. */
async function scoreWindow(db: Db, config: FeedConfig, now: number): Promise<{ ranked: Scored[]; scanned: number }> {
  const top = new TopK<Scored>(config.hotListSize);
  let after: { createdAt: number; id: string } | undefined;
  let scanned = 0;
  for (;;) {
    const rows = await db
      .select({
        id: posts.id,
        createdAt: posts.createdAt,
        likes: postStats.likes,
        comments: postStats.comments,
        views: postStats.views,
      })
      .from(posts)
      .innerJoin(postStats, eq(postStats.postId, posts.id))
      .where(
        and(
          gte(posts.createdAt, new Date(now - config.hotListWindowMs)),
          isNull(posts.deletedAt),
          sql`${postStats.likes} + ${postStats.comments} + ${postStats.views} > 0`,
          after && sql`(${posts.createdAt}, ${posts.id}) > (${after.createdAt}, ${after.id})`,
        ),
      )
      .orderBy(asc(posts.createdAt), asc(posts.id))
      .limit(SCAN_CHUNK);
    for (const row of rows) top.offer({ id: row.id, score: hotScore(row, now - row.createdAt.getTime()) });
    scanned += rows.length;
    const last = rows.at(-1);
    if (!last || rows.length < SCAN_CHUNK) break;
    after = { createdAt: last.createdAt.getTime(), id: last.id };
  }
  return { ranked: top.sorted(), scanned };
}

/**
 * Rebuilds the hot list in KV. Posts that left the list have their cache entries dropped;
 * posts on it are (re)written to the cache so hot reads stay hits until the next run.
 */
export async function refreshHotList(
  db: Db,
  cache: KVNamespace,
  config: FeedConfig,
  now: number,
): Promise<HotListRefresh> {
  const { ranked, scanned } = await scoreWindow(db, config, now);
  const found = new Map(
    (
      await queryPostsByIds(
        db,
        ranked.map((r) => r.id),
        undefined,
      )
    ).map((r) => [r.post.id, r.post]),
  );
  const items = ranked.flatMap((r) => {
    const post = found.get(r.id);
    return post ? [{ post, score: r.score }] : [];
  });
  const list: StoredHotList = { refreshedAt: new Date(now).toISOString(), items };
  const previous = await cache.get<StoredHotList>(HOT_KEY, "json");
  await cache.put(HOT_KEY, JSON.stringify(list));
  const hot = new Set(items.map((i) => i.post.id));
  const cold = (previous?.items ?? []).map((i) => i.post.id).filter((id) => !hot.has(id));
  const ttl = config.postCacheTtlSeconds + HOT_LIST_PERIOD_MS / 1000;
  await Promise.all([...cold.map((id) => evictPost(cache, id)), ...items.map((i) => cachePost(cache, i.post, ttl))]);
  return { list, scanned, evicted: cold.length };
}

/** The hot list with live counters (through the caches: decision 0075); deleted posts are left out. */
export async function readHotList(
  f: FeedContext,
  viewerId: string | undefined,
  now: number,
): Promise<{ items: PostView[]; refreshedAt: string }> {
  let list = await f.cache.get<StoredHotList>(HOT_KEY, "json");
  if (!list || now - Date.parse(list.refreshedAt) > STALE_AFTER_MS) {
    f.log.warn("hot list missing or stale; refreshing inline", { refreshedAt: list?.refreshedAt ?? null });
    list = (await refreshHotList(f.db, f.cache, f.config, now)).list;
  }
  const ids = list.items.map((i) => i.post.id);
  const { views } = await resolvePosts(f, ids, viewerId);
  return { items: ids.flatMap((id) => views.get(id) ?? []), refreshedAt: list.refreshedAt };
}

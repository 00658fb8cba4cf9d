// Assembling posts for an answer from the caches, in order: this isolate's copies, then KV,
// then one D1 query (through the request's session) for whatever is still missing or stale.
// A warm read makes no D1 query (docs/decisions/0075-edge-read-path.md).
import { coversBookmark } from "../lib/bookmark";
import type { FeedContext } from "./feed-context";
import { cachePost, readCachedPost, recallPost, rememberPost, type CacheOutcome } from "./post-cache";
import {
  likesSeenBy,
  publishLive,
  readLiveFromKv,
  recallLive,
  recallViewerLike,
  rememberLive,
  rememberViewerLike,
  tombstone,
  type CachedLive,
  type CachedViewerLike,
} from "./post-live";
import { queryFullRowsByIds, renderPost, type FullRow, type PostView, type StaticPost } from "./post-query";

/** What is known about a set of posts while an answer is assembled. */
interface Parts {
  live: Map<string, CachedLive>;
  statics: Map<string, StaticPost>;
  likes: Map<string, CachedViewerLike>;
}

/**
 * Takes rows just read from D1 at bookmark `asOf` into `parts` and the caches: this isolate's
 * copies at once, KV after the response (posts' static parts; live states of the ids in
 * `publish`). Ids in `ids` without a row are gone.
 */
export function absorbRows(
  f: FeedContext,
  ids: readonly string[],
  rows: readonly FullRow[],
  viewerId: string | undefined,
  publish: ReadonlySet<string>,
  parts: Parts = { live: new Map(), statics: new Map(), likes: new Map() },
): Parts {
  const { isolateCacheEntries: max, postCacheTtlSeconds: ttl } = f.config;
  const asOf = f.bookmark();
  const now = Date.now();
  const toPublish = new Map<string, CachedLive>();
  for (const id of ids) parts.live.set(id, rememberLive(id, tombstone(asOf), max, now));
  for (const row of rows) {
    const id = row.post.id;
    const state = rememberLive(id, { ...row.shared, deleted: row.deleted, asOf }, max, now);
    parts.live.set(id, state);
    if (publish.has(id)) toPublish.set(id, state);
    if (!row.deleted) {
      parts.statics.set(id, row.post);
      rememberPost(row.post, ttl, max);
      f.defer(cachePost(f.cache, row.post, ttl), "fill post cache");
    }
    if (viewerId !== undefined && row.viewer) {
      const like = { ...row.viewer, asOf };
      parts.likes.set(id, like);
      rememberViewerLike(viewerId, id, like, max, now);
    }
  }
  if (toPublish.size > 0) f.defer(publishLive(f.cache, toPublish), "publish post live states");
  return parts;
}

/** The caller's view of each live post in `ids` (deleted and missing ones are absent). */
export async function resolvePosts(
  f: FeedContext,
  ids: readonly string[],
  viewerId: string | undefined,
): Promise<{ views: Map<string, PostView>; cache: CacheOutcome }> {
  const { liveTtlMs, isolateCacheEntries: max, postCacheTtlSeconds: ttl } = f.config;
  const now = Date.now();
  const parts: Parts = { live: new Map(), statics: new Map(), likes: new Map() };
  for (const id of ids) {
    const live = recallLive(id, liveTtlMs, f.wanted, now);
    if (live) parts.live.set(id, live);
    const post = recallPost(id, now);
    if (post) parts.statics.set(id, post);
    const like = viewerId === undefined ? undefined : recallViewerLike(viewerId, id, f.wanted, now);
    if (like) parts.likes.set(id, like);
  }
  const kvLiveIds = ids.filter((id) => !parts.live.has(id));
  const kvStaticIds = ids.filter((id) => !parts.statics.has(id));
  const absentFromKv = new Set<string>();
  if (kvLiveIds.length > 0 || kvStaticIds.length > 0) {
    const [states, posts] = await Promise.all([
      readLiveFromKv(f.cache, kvLiveIds),
      Promise.all(kvStaticIds.map((id) => readCachedPost(f.cache, id))),
    ]);
    for (const id of kvLiveIds) {
      const state = states.get(id);
      if (state && coversBookmark(state.asOf, f.wanted)) parts.live.set(id, rememberLive(id, state, max, now));
      else if (!state) absentFromKv.add(id);
    }
    for (const post of posts) {
      if (!post) continue;
      parts.statics.set(post.id, post);
      rememberPost(post, ttl, max);
    }
  }
  const fromDb = ids.filter((id) => {
    const live = parts.live.get(id);
    if (!live) return true;
    if (live.deleted) return false;
    if (viewerId !== undefined && !parts.likes.has(id)) return true;
    return parts.statics.get(id)?.version !== live.version;
  });
  let cache: CacheOutcome = "HIT";
  if (fromDb.length > 0) {
    const staticMissed = fromDb.some((id) => {
      const post = parts.statics.get(id);
      return !post || post.version !== parts.live.get(id)?.version;
    });
    const rows = await queryFullRowsByIds(f.db, fromDb, viewerId);
    // Gone posts are not published: a read of a made-up id must not cost a KV write.
    const publish = new Set(rows.filter((r) => absentFromKv.has(r.post.id)).map((r) => r.post.id));
    absorbRows(f, fromDb, rows, viewerId, publish, parts);
    if (staticMissed) cache = "MISS";
  }
  const views = new Map<string, PostView>();
  for (const id of ids) {
    const live = parts.live.get(id);
    const post = parts.statics.get(id);
    if (!live || live.deleted || !post || post.version !== live.version) continue;
    const like = parts.likes.get(id);
    f.served(live.asOf);
    if (like) f.served(like.asOf);
    const stats = { ...live.stats, likes: likesSeenBy(live, like) };
    views.set(id, renderPost(post, { version: live.version, stats, likedByMe: like?.liked }, f.origin));
  }
  return { views, cache };
}

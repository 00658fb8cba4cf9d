// The KV cache of posts (cache-aside). An entry holds a post's static part and the version
// it was read at; readers accept it only when that equals the live version in D1, so a
// stale or late-written entry can cost a miss but can never show an older edit
// (docs/decisions/0010-post-cache-versioned-entries.md).
import type { StaticPost } from "./post-query";

const key = (postId: string) => `post:${postId}`;

/** "HIT" or "MISS": the X-Cache header and the request log's `cache` field. */
export type CacheOutcome = "HIT" | "MISS";

/** The cached static part of a post, or undefined. Never throws: a broken cache is a miss. */
export async function readCachedPost(kv: KVNamespace, postId: string): Promise<StaticPost | undefined> {
  try {
    return (await kv.get<StaticPost>(key(postId), "json")) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Writes a post's static part with a TTL (seconds, at least KV's 60). */
export async function cachePost(kv: KVNamespace, post: StaticPost, ttlSeconds: number): Promise<void> {
  await kv.put(key(post.id), JSON.stringify(post), { expirationTtl: Math.max(60, ttlSeconds) });
}

/** Drops a post's entry (after an edit or delete, or when it went cold). */
export async function evictPost(kv: KVNamespace, postId: string): Promise<void> {
  await kv.delete(key(postId));
}

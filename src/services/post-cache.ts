// The KV cache of posts' static parts. An entry holds a post's static part and the version it
// was read at; readers accept it only when that equals the live version they serve, so a stale
// or late-written entry can cost a miss but never pairs old text with a newer version
// (docs/decisions/0075-edge-read-path.md, which supersedes 0010).
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

/**
 * This isolate's copies of KV entries, least recently used first. A copy is the same
 * immutable (post, version) pair KV holds and is checked against the live version just
 * like a KV entry, so serving it can never show an edit undone; it only saves the KV read.
 * It expires with the KV entry's TTL, so author details refresh as often as KV's do.
 */
const copies = new Map<string, { post: StaticPost; expiresAt: number }>();

/** The isolate's unexpired copy of `postId`, if any. */
export function recallPost(postId: string, now = Date.now()): StaticPost | undefined {
  const copy = copies.get(postId);
  if (!copy) return undefined;
  copies.delete(postId);
  if (copy.expiresAt <= now) return undefined;
  copies.set(postId, copy);
  return copy.post;
}

/** Keeps a copy of `post` in this isolate (at most `maxEntries` copies; 0 keeps none). */
export function rememberPost(post: StaticPost, ttlSeconds: number, maxEntries: number): void {
  copies.delete(post.id);
  if (maxEntries === 0) return;
  copies.set(post.id, { post, expiresAt: Date.now() + Math.max(60, ttlSeconds) * 1000 });
  for (const oldest of copies.keys()) {
    if (copies.size <= maxEntries) break;
    copies.delete(oldest);
  }
}

/** Drops this isolate's copy of `postId`. */
export function forgetPost(postId: string): void {
  copies.delete(postId);
}

/** Drops every copy this isolate holds (tests: a fresh isolate). */
export function forgetAllPosts(): void {
  copies.clear();
}

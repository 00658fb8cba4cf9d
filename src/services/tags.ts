// Hashtags: indexed with the post (post_tags, in the post's own D1 batch), a page of a tag's
// posts through the feed's caches, and trending tags scored by the cron with the hot list's
// decay: a tag's score is the sum over its recent posts of 1 / (ageHours + 2) ^ GRAVITY.
import { and, eq, gte, inArray, sql } from "drizzle-orm";
import type { FeedConfig } from "../config";
import type { Db } from "../db/client";
import { posts, postTags } from "../db/schema";
import { AGE_OFFSET_HOURS, GRAVITY } from "../lib/hot-score";
import { tagsIn } from "../lib/tags";
import type { FeedContext } from "./feed-context";

const TRENDING_KEY = "tags:trending";
/** Trending looks at posts of the last day; the list is rewritten every cron run (5 minutes). */
const TRENDING_WINDOW_MS = 86_400_000;
const TRENDING_SIZE = 20;
/** At most this many recent tag uses are scored per run (bounded work). */
const TRENDING_SCAN_LIMIT = 50_000;
const STALE_AFTER_MS = 600_000;

export interface TrendingTags {
  refreshedAt: string;
  items: { tag: string; score: number; posts: number }[];
}

/** The statements that (re)write a post's tags: at most 10 rows of 3 parameters. */
export function tagStatements(db: Db, postId: string, content: string, createdAt: number, replace: boolean) {
  const tags = tagsIn(content);
  return [
    ...(replace ? [db.delete(postTags).where(eq(postTags.postId, postId))] : []),
    ...(tags.length === 0 ? [] : [db.insert(postTags).values(tags.map((tag) => ({ tag, postId, createdAt })))]),
  ];
}

/** The SQL condition "the post carries `tag`". */
export const taggedWith = (tag: string) =>
  inArray(posts.id, sql`(SELECT ${postTags.postId} FROM ${postTags} WHERE ${postTags.tag} = ${tag})`);

/** Scores the last day's tags and writes the top 20 to KV. */
export async function refreshTrendingTags(db: Db, cache: KVNamespace, now: number): Promise<TrendingTags> {
  const rows = await db
    .select({ tag: postTags.tag, createdAt: postTags.createdAt })
    .from(postTags)
    .innerJoin(posts, and(eq(posts.id, postTags.postId), sql`${posts.deletedAt} IS NULL`))
    .where(gte(postTags.createdAt, now - TRENDING_WINDOW_MS))
    .orderBy(sql`${postTags.createdAt} DESC`)
    .limit(TRENDING_SCAN_LIMIT);
  const scores = new Map<string, { score: number; posts: number }>();
  for (const row of rows) {
    const ageHours = Math.max(0, now - row.createdAt) / 3_600_000;
    const entry = scores.get(row.tag) ?? { score: 0, posts: 0 };
    entry.score += 1 / (ageHours + AGE_OFFSET_HOURS) ** GRAVITY;
    entry.posts += 1;
    scores.set(row.tag, entry);
  }
  const items = [...scores]
    .map(([tag, s]) => ({ tag, score: Math.round(s.score * 1e6) / 1e6, posts: s.posts }))
    .sort((a, b) => b.score - a.score || a.tag.localeCompare(b.tag))
    .slice(0, TRENDING_SIZE);
  const list = { refreshedAt: new Date(now).toISOString(), items };
  await cache.put(TRENDING_KEY, JSON.stringify(list));
  return list;
}

/** The trending tags from KV (refreshed inline when the cron has not run lately, as the hot list is). */
export async function readTrendingTags(f: FeedContext, now: number): Promise<TrendingTags> {
  const list = await f.cache.get<TrendingTags>(TRENDING_KEY, "json");
  if (list && now - Date.parse(list.refreshedAt) <= STALE_AFTER_MS) return list;
  return refreshTrendingTags(f.db, f.cache, now);
}

/** The cron's sweep. */
export async function sweepTrendingTags(db: Db, cache: KVNamespace, _config: FeedConfig, now: number) {
  const list = await refreshTrendingTags(db, cache, now);
  return { trendingTags: list.items.length };
}

// Feed pages, newest first, with opaque cursors: everyone's posts, the posts of people I
// follow, and one user's posts. Each isolate keeps a page's ids for POST_LIVE_TTL_MS (unless
// the client's bookmark is newer) and assembles the posts through the caches, so a warm page
// makes no D1 query; a miss reads the page from D1 and fills the caches (decision 0075).
import { and, eq, inArray, lt, type SQL } from "drizzle-orm";
import { follows, posts } from "../db/schema";
import { errors } from "../errors";
import { decodeIdCursor, encodeIdCursor } from "../lib/cursor";
import type { FeedContext } from "./feed-context";
import { coversBookmark } from "../lib/bookmark";
import { queryPosts, type PostView } from "./post-query";
import { absorbRows, resolvePosts } from "./post-resolve";
import { taggedWith } from "./tags";
import { requireUser } from "./users";

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

interface PageCopy {
  ids: string[];
  nextCursor: string | null;
  asOf: string | null;
  storedAt: number;
}

/** This isolate's recent pages, by list, cursor and size (least recently used out first). */
const pageCopies = new Map<string, PageCopy>();
const MAX_PAGE_COPIES = 500;

function recallPage(key: string, ttlMs: number, wanted: string | undefined, now: number): PageCopy | undefined {
  const copy = pageCopies.get(key);
  if (!copy) return undefined;
  pageCopies.delete(key);
  if (now - copy.storedAt >= ttlMs || !coversBookmark(copy.asOf, wanted)) return undefined;
  pageCopies.set(key, copy);
  return copy;
}

function rememberPage(key: string, copy: PageCopy): void {
  pageCopies.delete(key);
  pageCopies.set(key, copy);
  for (const oldest of pageCopies.keys()) {
    if (pageCopies.size <= MAX_PAGE_COPIES) break;
    pageCopies.delete(oldest);
  }
}

/** Forgets this isolate's page copies (tests: a fresh isolate). */
export function forgetPageCopies(): void {
  pageCopies.clear();
}

/** One page of live posts matching `where`; `kind` scopes the cursor to this list, `list` names it for the cache. */
async function postPage(
  f: FeedContext,
  kind: string,
  list: string,
  where: SQL | undefined,
  viewerId: string | undefined,
  page: PageRequest,
  beforeMiss?: () => Promise<void>,
): Promise<Page<PostView>> {
  const before = page.cursor === undefined ? undefined : decodeIdCursor(kind, page.cursor);
  if (page.cursor !== undefined && before === undefined) throw errors.invalidCursor();
  const key = `${list}|${page.cursor ?? ""}|${page.limit}`;
  const now = Date.now();
  let copy = recallPage(key, f.config.liveTtlMs, f.wanted, now);
  if (!copy) {
    await beforeMiss?.();
    const rows = await queryPosts(
      f.db,
      and(where, before === undefined ? undefined : lt(posts.id, before)),
      viewerId,
      page.limit + 1,
    );
    const shown = rows.slice(0, page.limit);
    absorbRows(
      f,
      shown.map((r) => r.post.id),
      shown,
      viewerId,
      new Set(),
    );
    const last = shown.at(-1);
    copy = {
      ids: shown.map((r) => r.post.id),
      nextCursor: rows.length > page.limit && last ? encodeIdCursor(kind, last.post.id) : null,
      asOf: f.bookmark(),
      storedAt: now,
    };
    rememberPage(key, copy);
  }
  f.served(copy.asOf);
  const { views } = await resolvePosts(f, copy.ids, viewerId);
  return { items: copy.ids.flatMap((id) => views.get(id) ?? []), nextCursor: copy.nextCursor };
}

/** Everyone's posts. */
export function globalFeed(f: FeedContext, viewerId: string | undefined, page: PageRequest): Promise<Page<PostView>> {
  return postPage(f, "feed", "feed", undefined, viewerId, page);
}

/** Posts of the people `userId` follows. */
export function followingFeed(f: FeedContext, userId: string, page: PageRequest): Promise<Page<PostView>> {
  const followees = f.db.select({ id: follows.followeeId }).from(follows).where(eq(follows.followerId, userId));
  return postPage(f, "following", `following:${userId}`, inArray(posts.authorId, followees), userId, page);
}

/** One user's posts (404 for an unknown user). */
export async function userPosts(
  f: FeedContext,
  authorId: string,
  viewerId: string | undefined,
  page: PageRequest,
): Promise<Page<PostView>> {
  // Checked on a miss only: a cached page of this user means the user exists.
  return postPage(f, `user:${authorId}`, `user:${authorId}`, eq(posts.authorId, authorId), viewerId, page, () =>
    requireUser(f.db, authorId).then(() => undefined),
  );
}

/** Live posts carrying `#tag` (lowercase), newest first. */
export function tagPosts(f: FeedContext, tag: string, viewerId: string | undefined, page: PageRequest) {
  return postPage(f, `tag:${tag}`, `tag:${tag}`, taggedWith(tag), viewerId, page);
}

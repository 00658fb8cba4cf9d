// Feed pages read from D1, newest first, with opaque cursors: everyone's posts, the posts
// of people I follow, and one user's posts.
import { and, eq, inArray, lt, type SQL } from "drizzle-orm";
import { follows, posts } from "../db/schema";
import { errors } from "../errors";
import { decodeIdCursor, encodeIdCursor } from "../lib/cursor";
import type { FeedContext } from "./feed-context";
import { queryPosts, renderPost, type PostView } from "./post-query";
import { requireUser } from "./users";

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** One page of live posts matching `where`; `kind` scopes the cursor to this list. */
async function postPage(
  f: FeedContext,
  kind: string,
  where: SQL | undefined,
  viewerId: string | undefined,
  page: PageRequest,
): Promise<Page<PostView>> {
  const before = page.cursor === undefined ? undefined : decodeIdCursor(kind, page.cursor);
  if (page.cursor !== undefined && before === undefined) throw errors.invalidCursor();
  const rows = await queryPosts(
    f.db,
    and(where, before === undefined ? undefined : lt(posts.id, before)),
    viewerId,
    page.limit + 1,
  );
  const items = rows.slice(0, page.limit).map((r) => renderPost(r.post, r.live, f.origin));
  const last = items.at(-1);
  return { items, nextCursor: rows.length > page.limit && last ? encodeIdCursor(kind, last.id) : null };
}

/** Everyone's posts. */
export function globalFeed(f: FeedContext, viewerId: string | undefined, page: PageRequest): Promise<Page<PostView>> {
  return postPage(f, "feed", undefined, viewerId, page);
}

/** Posts of the people `userId` follows. */
export function followingFeed(f: FeedContext, userId: string, page: PageRequest): Promise<Page<PostView>> {
  const followees = f.db.select({ id: follows.followeeId }).from(follows).where(eq(follows.followerId, userId));
  return postPage(f, "following", inArray(posts.authorId, followees), userId, page);
}

/** One user's posts (404 for an unknown user). */
export async function userPosts(
  f: FeedContext,
  authorId: string,
  viewerId: string | undefined,
  page: PageRequest,
): Promise<Page<PostView>> {
  await requireUser(f.db, authorId);
  return postPage(f, `user:${authorId}`, eq(posts.authorId, authorId), viewerId, page);
}

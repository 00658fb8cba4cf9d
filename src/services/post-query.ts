// Reading posts from D1. A post has a static part (author, content, images, times: what the
// KV cache holds) and a live part (version, counters, likedByMe: always read from D1).
import { and, desc, eq, inArray, isNull, type Placeholder, sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { posts, postStats, users } from "../db/schema";
import { mediaUrl } from "./media";
import { authorVisibleSql } from "./moderation/visibility";

/** What the KV cache holds for a post: everything but the counters and the caller's like. */
export interface StaticPost {
  id: string;
  author: { id: string; username: string; displayName: string };
  content: string;
  /** Keys of the post's images in the MEDIA bucket, in order. */
  imageKeys: string[];
  createdAt: string;
  updatedAt: string;
  /** Grows with every edit; a cached copy is valid only while it equals the live version. */
  version: number;
}

/** A post's live part as D1 holds it: the same for every reader. */
export interface SharedLive {
  version: number;
  stats: { likes: number; comments: number; views: number };
  /** When the consumer last recounted likes (ms): a like row written later is not in `stats.likes` yet. */
  likesCountedAt: number;
}

/** The caller's own like of a post, as D1 holds it. */
export interface ViewerLike {
  liked: boolean;
  /** When the caller's like row was written (ms); null when there is none. */
  likedAt: number | null;
}

/** The live part of a post as one caller sees it. */
export interface LiveState {
  version: number;
  stats: { likes: number; comments: number; views: number };
  /** Undefined for anonymous callers. */
  likedByMe: boolean | undefined;
}

/** A post as the API answers it (PostSchema). */
export interface PostView {
  id: string;
  author: StaticPost["author"];
  content: string;
  images: string[];
  createdAt: string;
  updatedAt: string;
  stats: LiveState["stats"];
  likedByMe?: boolean;
}

/** `SELECT 1` of the post while it is live (not deleted): for `EXISTS (...)` guards in raw statements. */
export const livePostSql = (postId: string) => sql`SELECT 1 FROM posts WHERE id = ${postId} AND deleted_at IS NULL`;

/** D1 allows 100 bound parameters per statement; id lists are chunked below that. */
const IDS_PER_QUERY = 90;

/** The caller's id (or a placeholder for it in a prepared statement); undefined when anonymous. */
type Viewer = string | Placeholder | undefined;

const likedBy = (viewerId: Viewer) =>
  viewerId === undefined
    ? sql<number | null>`NULL`
    : sql<
        number | null
      >`EXISTS (SELECT 1 FROM likes WHERE likes.post_id = ${posts.id} AND likes.user_id = ${viewerId})`;

const likedAtBy = (viewerId: Viewer) =>
  viewerId === undefined
    ? sql<number | null>`NULL`
    : sql<
        number | null
      >`(SELECT likes.created_at FROM likes WHERE likes.post_id = ${posts.id} AND likes.user_id = ${viewerId})`;

const liveColumns = (viewerId: Viewer) => ({
  id: posts.id,
  version: posts.version,
  likes: postStats.likes,
  comments: postStats.comments,
  views: postStats.views,
  likedByMe: likedBy(viewerId),
});

/** A full row: the static part, the shared live part, the deleted flag and the caller's like time. */
export interface FullRow {
  post: StaticPost;
  live: LiveState;
  shared: SharedLive;
  deleted: boolean;
  /** Undefined for anonymous callers. */
  viewer: ViewerLike | undefined;
}

function toLive(row: {
  version: number;
  likes: number;
  comments: number;
  views: number;
  likedByMe: number | null;
}): LiveState {
  return {
    version: row.version,
    stats: { likes: row.likes, comments: row.comments, views: row.views },
    likedByMe: row.likedByMe === null ? undefined : row.likedByMe === 1,
  };
}

/** A page or set of live posts (not deleted, author not suspended) matching `where`, newest first, with their live state. */
export function queryPosts(
  db: Db,
  where: SQL | undefined,
  viewerId: string | undefined,
  limit: number,
): Promise<FullRow[]> {
  return queryFullRows(db, and(isNull(posts.deletedAt), authorVisibleSql, where), viewerId, limit);
}

/** Rows matching `where` (deleted ones and suspended authors' too: `deleted` says, hidden counts as deleted), newest first. */
export async function queryFullRows(
  db: Db,
  where: SQL | undefined,
  viewerId: string | undefined,
  limit: number,
): Promise<FullRow[]> {
  const rows = await db
    .select({
      ...liveColumns(viewerId),
      likedAt: likedAtBy(viewerId),
      likesCountedAt: postStats.likesCountedAt,
      deleted: sql<number>`(${posts.deletedAt} IS NOT NULL OR NOT ${authorVisibleSql})`,
      content: posts.content,
      createdAt: posts.createdAt,
      updatedAt: posts.updatedAt,
      authorId: users.id,
      username: users.username,
      displayName: users.displayName,
      images: sql<string>`(SELECT json_group_array(media_key) FROM (SELECT media_key FROM post_images WHERE post_images.post_id = ${posts.id} ORDER BY position))`,
    })
    .from(posts)
    .innerJoin(users, eq(users.id, posts.authorId))
    .innerJoin(postStats, eq(postStats.postId, posts.id))
    .where(where)
    .orderBy(desc(posts.id))
    .limit(limit);
  return rows.map((row) => ({
    post: {
      id: row.id,
      author: { id: row.authorId, username: row.username, displayName: row.displayName },
      content: row.content,
      imageKeys: JSON.parse(row.images) as string[],
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
      version: row.version,
    },
    live: toLive(row),
    shared: {
      version: row.version,
      stats: { likes: row.likes, comments: row.comments, views: row.views },
      likesCountedAt: row.likesCountedAt,
    },
    deleted: row.deleted === 1,
    viewer: viewerId === undefined ? undefined : { liked: row.likedAt !== null, likedAt: row.likedAt },
  }));
}

/** Rows with these ids, deleted ones too (any order; missing ones are left out). */
export async function queryFullRowsByIds(db: Db, ids: readonly string[], viewerId: string | undefined) {
  const chunks = [];
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const chunk = ids.slice(i, i + IDS_PER_QUERY);
    chunks.push(queryFullRows(db, inArray(posts.id, chunk), viewerId, chunk.length));
  }
  return (await Promise.all(chunks)).flat();
}

/** Live posts with these ids (any order; missing and deleted ones are left out). */
export async function queryPostsByIds(db: Db, ids: readonly string[], viewerId: string | undefined) {
  const chunks = [];
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const chunk = ids.slice(i, i + IDS_PER_QUERY);
    chunks.push(queryPosts(db, inArray(posts.id, chunk), viewerId, chunk.length));
  }
  return (await Promise.all(chunks)).flat();
}

/** The API shape of a post; image keys become URLs under `origin`. */
export function renderPost(post: StaticPost, live: LiveState, origin: string): PostView {
  const view: PostView = {
    id: post.id,
    author: post.author,
    content: post.content,
    images: post.imageKeys.map((key) => mediaUrl(origin, key)),
    createdAt: post.createdAt,
    updatedAt: post.updatedAt,
    stats: live.stats,
  };
  if (live.likedByMe !== undefined) view.likedByMe = live.likedByMe;
  return view;
}

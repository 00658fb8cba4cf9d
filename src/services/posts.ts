// Posts: create (idempotent per Idempotency-Key), read through the caches, edit and delete
// (author only). Writes go to D1 first, in the request's primary session; this isolate's copies
// and KV's live state follow at once, and the write's bookmark lets its client read through
// anywhere else (docs/decisions/0075-edge-read-path.md).
import { and, eq, isNull, sql } from "drizzle-orm";
import { posts, postImages, postStats, users } from "../db/schema";
import { errors } from "../errors";
import { newId } from "../lib/ids";
import type { FeedContext } from "./feed-context";
import { resolveOwnImages } from "./media";
import { moderatedText } from "./moderation/gate";
import { cachePost, evictPost, forgetPost, rememberPost, type CacheOutcome } from "./post-cache";
import { publishLive, rememberLive, rememberViewerLike, type CachedLive } from "./post-live";
import { queryPosts, renderPost, type FullRow, type PostView, type StaticPost } from "./post-query";
import { resolvePosts } from "./post-resolve";
import { emitPostEvent, postEvent } from "./post-events";
import { tagStatements } from "./tags";
import { viewTally } from "./view-tally";

export interface NewPost {
  content: string;
  images?: string[] | undefined;
}

function imageRows(f: FeedContext, postId: string, keys: string[]) {
  // At most MAX_POST_IMAGES (<= 20) rows of 3 parameters: within D1's 100 per statement.
  return keys.length === 0
    ? []
    : [f.db.insert(postImages).values(keys.map((mediaKey, position) => ({ postId, position, mediaKey })))];
}

async function findByIdempotencyKey(f: FeedContext, authorId: string, key: string): Promise<PostView | undefined> {
  const row = await f.db
    .select({ id: posts.id, deletedAt: posts.deletedAt })
    .from(posts)
    .where(and(eq(posts.authorId, authorId), eq(posts.idempotencyKey, key)))
    .get();
  if (!row) return undefined;
  const [found] = row.deletedAt ? [] : await queryPosts(f.db, eq(posts.id, row.id), authorId, 1);
  if (!found)
    throw errors.conflict("idempotency_key_reused", "The post created with this Idempotency-Key was deleted.");
  return renderPost(found.post, found.live, f.origin);
}

const isUniqueViolation = (err: unknown) =>
  err instanceof Error && /UNIQUE constraint failed/i.test(String(err.message));

/**
 * Creates a post. With an Idempotency-Key, a retry returns the first post (`replayed`).
 * Posts of hot authors (HOT_AUTHOR_FOLLOWERS) are written to the cache at once.
 */
export async function createPost(
  f: FeedContext,
  authorId: string,
  input: NewPost,
  idempotencyKey: string | undefined,
): Promise<{ post: PostView; replayed: boolean }> {
  if (idempotencyKey) {
    const first = await findByIdempotencyKey(f, authorId, idempotencyKey);
    if (first) return { post: first, replayed: true };
  }
  // Before anything is stored (docs/decisions/0073).
  const content = await moderatedText(f.moderation, { kind: "post", text: input.content, authorId });
  const imageKeys = await resolveOwnImages(f.media, input.images ?? [], f.origin, authorId, f.config.maxPostImages);
  const author = await f.db
    .select({ username: users.username, displayName: users.displayName, followers: users.followers })
    .from(users)
    .where(eq(users.id, authorId))
    .get();
  if (!author) throw errors.unauthorized();
  const id = newId();
  const now = new Date();
  try {
    await f.db.batch([
      f.db.insert(posts).values({ id, authorId, content, idempotencyKey, createdAt: now, updatedAt: now }),
      f.db.insert(postStats).values({ postId: id }),
      ...imageRows(f, id, imageKeys),
      ...tagStatements(f.db, id, content, now.getTime(), false),
    ]);
  } catch (err) {
    // Two concurrent creates with one key: the unique index lets one win; the other replays it.
    const first =
      idempotencyKey && isUniqueViolation(err) ? await findByIdempotencyKey(f, authorId, idempotencyKey) : undefined;
    if (first) return { post: first, replayed: true };
    throw err;
  }
  const post: StaticPost = {
    id,
    author: { id: authorId, username: author.username, displayName: author.displayName },
    content,
    imageKeys,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    version: 1,
  };
  if (author.followers >= f.config.hotAuthorFollowers) {
    f.defer(cachePost(f.cache, post, f.config.postCacheTtlSeconds), "cache hot author's post");
  }
  // Mentions become notifications in the EVENTS consumer (decision 0077).
  await emitPostEvent(f.events, postEvent("post.created", { postId: id }));
  const live = { version: 1, stats: { likes: 0, comments: 0, views: 0 }, likedByMe: false };
  const { isolateCacheEntries: max, postCacheTtlSeconds: ttl } = f.config;
  const asOf = f.bookmark();
  rememberPost(post, ttl, max);
  rememberLive(id, { version: 1, deleted: false, stats: live.stats, likesCountedAt: 0, asOf }, max);
  rememberViewerLike(authorId, id, { liked: false, likedAt: null, asOf }, max);
  return { post: renderPost(post, live, f.origin), replayed: false };
}

/**
 * Reads a post through the caches (isolate copy, KV, then D1: src/services/post-resolve.ts).
 * X-Cache says whether the static part came from a cache. Counts a view.
 */
export async function viewPost(
  f: FeedContext,
  postId: string,
  viewerId: string | undefined,
): Promise<{ post: PostView; cache: CacheOutcome }> {
  const { views, cache } = await resolvePosts(f, [postId], viewerId);
  const post = views.get(postId);
  if (!post) throw errors.notFound("post");
  const sending = viewTally.add(f.events, postId, f.config.viewTallyMs);
  if (sending) f.defer(sending, "send post views");
  return { post, cache };
}

/** After an edit or delete: this isolate's copies and KV's live state hold the new state at once. */
export function publishChange(f: FeedContext, postId: string, state: CachedLive, post: StaticPost | undefined): void {
  const { isolateCacheEntries: max, postCacheTtlSeconds: ttl } = f.config;
  rememberLive(postId, state, max);
  if (post) {
    rememberPost(post, ttl, max);
    f.defer(cachePost(f.cache, post, ttl), "cache edited post");
  } else {
    forgetPost(postId);
    f.defer(evictPost(f.cache, postId), "evict deleted post");
  }
  f.defer(publishLive(f.cache, new Map([[postId, state]])), "publish post live state");
}

const liveOf = (row: FullRow, asOf: string | null): CachedLive => ({ ...row.shared, deleted: false, asOf });

/** The live post `postId` if `userId` wrote it: 404 when missing or deleted, 403 for anyone else. */
async function requireOwnPost(f: FeedContext, postId: string, userId: string): Promise<void> {
  const row = await f.db
    .select({ authorId: posts.authorId })
    .from(posts)
    .where(and(eq(posts.id, postId), isNull(posts.deletedAt)))
    .get();
  if (!row) throw errors.notFound("post");
  if (row.authorId !== userId) throw errors.forbidden("Only the author can change this post.");
}

const ownLivePost = (postId: string, userId: string) =>
  and(eq(posts.id, postId), eq(posts.authorId, userId), isNull(posts.deletedAt));

/** Edits a post (author only); the cache entry is dropped after D1 has the edit. */
export async function updatePost(
  f: FeedContext,
  userId: string,
  postId: string,
  patch: Partial<NewPost>,
): Promise<PostView> {
  await requireOwnPost(f, postId, userId);
  const content =
    patch.content === undefined
      ? undefined
      : await moderatedText(f.moderation, { kind: "post", text: patch.content, authorId: userId });
  const imageKeys =
    patch.images === undefined
      ? undefined
      : await resolveOwnImages(f.media, patch.images, f.origin, userId, f.config.maxPostImages);
  await f.db.batch([
    f.db
      .update(posts)
      .set({
        ...(content === undefined ? {} : { content }),
        version: sql`${posts.version} + 1`,
        updatedAt: new Date(),
      })
      .where(ownLivePost(postId, userId)),
    ...(imageKeys === undefined
      ? []
      : [f.db.delete(postImages).where(eq(postImages.postId, postId)), ...imageRows(f, postId, imageKeys)]),
    ...(content === undefined ? [] : tagStatements(f.db, postId, content, Date.now(), true)),
  ]);
  const [fresh] = await queryPosts(f.db, eq(posts.id, postId), userId, 1);
  if (!fresh) {
    forgetPost(postId);
    throw errors.notFound("post");
  }
  publishChange(f, postId, liveOf(fresh, f.bookmark()), fresh.post);
  return renderPost(fresh.post, fresh.live, f.origin);
}

// Deleting a post (by its author or a moderator) is services/moderation/removal.ts.

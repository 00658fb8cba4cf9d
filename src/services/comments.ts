// Comments: the row is written at once (durable and visible to the next read); the
// post's comment counter follows through the EVENTS queue.
import { and, asc, eq, gt, isNull, sql } from "drizzle-orm";
import { comments, posts, users } from "../db/schema";
import { runBatch, statement } from "../db/statements";
import { errors } from "../errors";
import { decodeIdCursor, encodeIdCursor } from "../lib/cursor";
import { newId } from "../lib/ids";
import type { FeedContext } from "./feed-context";
import { emitPostEvent, postEvent } from "./post-events";
import { moderatedText } from "./moderation/gate";
import { authorVisibleSql } from "./moderation/visibility";
import { livePostSql } from "./post-query";

export interface CommentView {
  id: string;
  postId: string;
  author: { id: string; username: string; displayName: string };
  content: string;
  createdAt: string;
}

/** Adds a comment to a live post (404 when missing or deleted). */
export async function addComment(
  f: FeedContext,
  authorId: string,
  postId: string,
  input: string,
): Promise<CommentView> {
  // Before anything is stored (docs/decisions/0073).
  const content = await moderatedText(f.moderation, { kind: "comment", text: input, authorId });
  const id = newId();
  const createdAt = Date.now();
  // One transaction: the comment is written only while the post is live.
  const [inserted, authorRows] = await runBatch(f.db, [
    statement(
      f.db,
      sql`INSERT INTO comments (id, post_id, author_id, content, created_at) SELECT ${id}, ${postId}, ${authorId}, ${content}, ${createdAt}
        WHERE EXISTS (${livePostSql(postId)})`,
    ),
    statement(f.db, sql`SELECT id, username, display_name AS displayName FROM users WHERE id = ${authorId}`),
  ]);
  if (!inserted?.meta.changes) throw errors.notFound("post");
  const author = authorRows?.results[0] as CommentView["author"] | undefined;
  if (!author) throw errors.unauthorized();
  await emitPostEvent(f.events, postEvent("post.commented", { postId, commentId: id }));
  return { id, postId, author, content, createdAt: new Date(createdAt).toISOString() };
}

/** A page of a live post's comments, oldest first. */
export async function listComments(
  f: FeedContext,
  postId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: CommentView[]; nextCursor: string | null }> {
  const after = page.cursor === undefined ? undefined : decodeIdCursor("comments", page.cursor);
  if (page.cursor !== undefined && after === undefined) throw errors.invalidCursor();
  // Not a db.batch: batched rows come back keyed by column name, and two columns are named `id`.
  const [live, rows] = await Promise.all([
    f.db
      .select({ id: posts.id })
      .from(posts)
      .where(and(eq(posts.id, postId), isNull(posts.deletedAt))),
    f.db
      .select({
        id: comments.id,
        content: comments.content,
        createdAt: comments.createdAt,
        authorId: users.id,
        username: users.username,
        displayName: users.displayName,
      })
      .from(comments)
      .innerJoin(users, eq(users.id, comments.authorId))
      .where(
        and(eq(comments.postId, postId), authorVisibleSql, after === undefined ? undefined : gt(comments.id, after)),
      )
      .orderBy(asc(comments.id))
      .limit(page.limit + 1),
  ]);
  if (live.length === 0) throw errors.notFound("post");
  const items = rows.slice(0, page.limit).map((r) => ({
    id: r.id,
    postId,
    author: { id: r.authorId, username: r.username, displayName: r.displayName },
    content: r.content,
    createdAt: r.createdAt.toISOString(),
  }));
  const last = items.at(-1);
  return { items, nextCursor: rows.length > page.limit && last ? encodeIdCursor("comments", last.id) : null };
}

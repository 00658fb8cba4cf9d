// Deleting posts and comments by their author or, for anyone's, by a moderator (audited).
// Messages are removed in their room (durable/room): see removeMessageAsModerator.
import { and, eq, isNull, sql } from "drizzle-orm";
import { comments, posts } from "../../db/schema";
import { errors } from "../../errors";
import type { FeedContext } from "../feed-context";
import { emitPostEvent, postEvent } from "../post-events";
import { tombstone } from "../post-live";
import { publishChange } from "../posts";
import { auditStatement } from "./audit";
import { hasSiteRole, siteRoleOf } from "./roles";

/** Who removed a thing: its author, or a moderator (whose removal is in the audit log). */
export type RemovedBy = "author" | "moderator";

/** 404 for a missing thing; 403 unless `callerId` is its author or a moderator. */
async function removerOf(f: FeedContext, callerId: string, authorId: string | undefined, what: string) {
  if (authorId === undefined) throw errors.notFound(what);
  if (authorId === callerId) return "author" as const;
  if (hasSiteRole(await siteRoleOf(f.db, callerId), "moderator")) return "moderator" as const;
  throw errors.forbidden(`Only the author or a moderator can delete this ${what}.`);
}

/** Soft-deletes a live post (author or moderator); readers lose it at once, the sweep purges it. */
export async function removePost(
  f: FeedContext,
  callerId: string,
  postId: string,
  note?: string,
  removedBy?: RemovedBy,
): Promise<RemovedBy> {
  const row = await f.db
    .select({ authorId: posts.authorId })
    .from(posts)
    .where(and(eq(posts.id, postId), isNull(posts.deletedAt)))
    .get();
  const by = removedBy ?? (await removerOf(f, callerId, row?.authorId, "post"));
  if (!row) throw errors.notFound("post");
  const now = new Date();
  const [gone] = await f.db.batch([
    f.db
      .update(posts)
      .set({ deletedAt: now, updatedAt: now, version: sql`${posts.version} + 1` })
      .where(and(eq(posts.id, postId), isNull(posts.deletedAt)))
      .returning({ version: posts.version }),
    ...(by === "moderator"
      ? [auditStatement(f.db, { actorId: callerId, action: "post.remove", target: { kind: "post", id: postId }, note })]
      : []),
  ]);
  // Readers lose it at once: this isolate's copies and KV's live state become a tombstone.
  publishChange(f, postId, tombstone(f.bookmark(), gone[0]?.version ?? 0), undefined);
  return by;
}

/** Deletes a comment (author or moderator); the post's comment count follows through EVENTS. */
export async function removeComment(
  f: FeedContext,
  callerId: string,
  commentId: string,
  note?: string,
  removedBy?: RemovedBy,
): Promise<RemovedBy> {
  const row = await f.db
    .select({ authorId: comments.authorId, postId: comments.postId })
    .from(comments)
    .where(eq(comments.id, commentId))
    .get();
  const by = removedBy ?? (await removerOf(f, callerId, row?.authorId, "comment"));
  if (!row) throw errors.notFound("comment");
  await f.db.batch([
    f.db.delete(comments).where(eq(comments.id, commentId)),
    ...(by === "moderator"
      ? [
          auditStatement(f.db, {
            actorId: callerId,
            action: "comment.remove",
            target: { kind: "comment", id: commentId },
            note,
            details: { postId: row.postId },
          }),
        ]
      : []),
  ]);
  // Recounts the post's comments (the consumer counts rows, so a removal lowers the count).
  await emitPostEvent(f.events, postEvent("post.commented", { postId: row.postId, commentId }));
  return by;
}

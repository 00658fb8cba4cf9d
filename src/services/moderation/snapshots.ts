// What a report keeps of its target: the content as the reporter saw it when reporting, and the
// user it belongs to. Only targets the reporter can see can be reported (404 otherwise).
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../../db/client";
import { comments, posts, users } from "../../db/schema";
import { errors } from "../../errors";
import { pageMessages } from "../room-messages";
import { authorVisibleSql } from "./visibility";

export type ReportTargetKind = "post" | "comment" | "message" | "user";

export interface ReportTarget {
  kind: ReportTargetKind;
  /** A post, comment or user id; for a message, its `seq` in `roomId` (as a string). */
  id: string;
  roomId?: string | undefined;
}

/** The reported content, frozen. `text` is the body; `authorId` the user it belongs to. */
export interface Snapshot {
  authorId: string;
  authorUsername: string;
  text: string;
  /** Extra facts of the target (a post's images, a comment's post, a profile's display name). */
  extra: Record<string, unknown>;
  createdAt: string;
}

const MESSAGE_SEQ = /^[1-9][0-9]{0,15}$/;

/** The snapshot of `target` as `reporterId` sees it now; 404 when it is missing or not visible. */
export async function snapshotOf(db: Db, env: Env, reporterId: string, target: ReportTarget): Promise<Snapshot> {
  switch (target.kind) {
    case "post": {
      const row = await db
        .select({ content: posts.content, createdAt: posts.createdAt, authorId: users.id, username: users.username })
        .from(posts)
        .innerJoin(users, eq(users.id, posts.authorId))
        .where(and(eq(posts.id, target.id), isNull(posts.deletedAt), authorVisibleSql))
        .get();
      if (!row) throw errors.notFound("post");
      return {
        authorId: row.authorId,
        authorUsername: row.username,
        text: row.content,
        extra: {},
        createdAt: row.createdAt.toISOString(),
      };
    }
    case "comment": {
      const row = await db
        .select({
          content: comments.content,
          postId: comments.postId,
          createdAt: comments.createdAt,
          authorId: users.id,
          username: users.username,
        })
        .from(comments)
        .innerJoin(users, eq(users.id, comments.authorId))
        .where(and(eq(comments.id, target.id), authorVisibleSql))
        .get();
      if (!row) throw errors.notFound("comment");
      return {
        authorId: row.authorId,
        authorUsername: row.username,
        text: row.content,
        extra: { postId: row.postId },
        createdAt: row.createdAt.toISOString(),
      };
    }
    case "user": {
      const row = await db.select().from(users).where(eq(users.id, target.id)).get();
      if (!row) throw errors.notFound("user");
      return {
        authorId: row.id,
        authorUsername: row.username,
        text: row.displayName,
        extra: { avatarUrl: row.avatarUrl },
        createdAt: row.createdAt.toISOString(),
      };
    }
    case "message": {
      if (!target.roomId || !MESSAGE_SEQ.test(target.id)) throw errors.notFound("message");
      const seq = Number(target.id);
      // The room checks membership: a non-member gets 404, as for history.
      const { items } = await pageMessages(db, env, target.roomId, reporterId, { after: seq - 1 }, 1);
      const message = items[0];
      if (!message || message.seq !== seq || message.deletedAt) throw errors.notFound("message");
      return {
        authorId: message.sender.id,
        authorUsername: message.sender.username,
        text: message.body,
        extra: { roomId: target.roomId, seq, messageId: message.id },
        createdAt: message.createdAt,
      };
    }
  }
}

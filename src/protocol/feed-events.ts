// EVENTS queue messages of the feed (`post.*`, `user.followed`): a view, like, unlike, comment,
// new post or follow, each with
// a unique event id. Delivery is at-least-once; the consumer is idempotent (see
// src/queues/post-events.ts). Imports only zod.
import { z } from "zod";

const base = {
  /** Unique per event (UUIDv7): what makes redelivery harmless. */
  id: z.string().min(1).max(64),
  postId: z.string().min(1).max(64),
  /** When the client's request was accepted (epoch ms). */
  at: z.number().int().nonnegative(),
};

export const PostEventSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("post.viewed"),
    ...base,
    /** Views this event stands for (an isolate tallies a post's views before sending); 1 when absent. */
    count: z.number().int().min(1).max(1_000_000).optional(),
  }),
  z.object({ type: z.literal("post.liked"), ...base, userId: z.string().min(1).max(64) }),
  z.object({ type: z.literal("post.unliked"), ...base, userId: z.string().min(1).max(64) }),
  z.object({ type: z.literal("post.commented"), ...base, commentId: z.string().min(1).max(64) }),
  /** A new post (its mentions become notifications). */
  z.object({ type: z.literal("post.created"), ...base }),
  /** A follow (a notification for the followee). */
  z.object({
    type: z.literal("user.followed"),
    id: base.id,
    at: base.at,
    followerId: z.string().min(1).max(64),
    followeeId: z.string().min(1).max(64),
  }),
]);
export type PostEvent = z.infer<typeof PostEventSchema>;
export type PostEventType = PostEvent["type"];

/** Every `post.*` event type, for the EVENTS consumer registry. */
export const POST_EVENT_TYPES = [
  "post.viewed",
  "post.liked",
  "post.unliked",
  "post.commented",
  "post.created",
  "user.followed",
] as const satisfies readonly PostEventType[];

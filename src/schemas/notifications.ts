// Notifications (decision 0077).
import { z } from "@hono/zod-openapi";
import { IdSchema, TimestampSchema } from "./common";

const ActorSchema = z.object({ id: IdSchema, username: z.string(), displayName: z.string() });

export const NotificationSchema = z
  .object({
    id: IdSchema,
    kind: z.enum(["like", "comment", "follow", "mention"]),
    subject: IdSchema.openapi({ description: "The post (like, comment, mention) or you (follow)" }),
    actors: z.array(ActorSchema).openapi({ description: "Up to 3 people, most recent first" }),
    count: z.number().int().openapi({ description: 'How many people in all ("alice and 12 others": 13)' }),
    latestAt: TimestampSchema,
    read: z.boolean(),
  })
  .openapi("Notification");

export const NotificationPageSchema = z
  .object({ items: z.array(NotificationSchema), unread: z.number().int(), nextCursor: z.string().nullable() })
  .openapi("NotificationPage");

export const MarkReadBodySchema = z
  .object({ upTo: TimestampSchema.openapi({ description: "Marks every notification whose latestAt <= upTo read" }) })
  .strict();

export const UnreadSchema = z.object({ unread: z.number().int() }).openapi("NotificationUnread");

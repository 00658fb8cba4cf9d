// Post, comment, like and media schemas (API.md "Posts and feed").
import { z } from "@hono/zod-openapi";
import { TAG_PATTERN } from "../lib/tags";
import { IdSchema, TimestampSchema } from "./common";

/** Text of `min`-`max` characters (Unicode code points, not UTF-16 units), trimmed. */
function textOf(min: number, max: number, example: string) {
  return (
    z
      .string()
      .trim()
      .min(min)
      // A cheap bound before counting code points: a code point is at most 2 UTF-16 units.
      .max(max * 2)
      .refine((s) => [...s].length <= max, `at most ${max} characters`)
      .openapi({ example })
  );
}

export const PostContentSchema = textOf(1, 5_000, "Hello, Plaza!");
export const CommentContentSchema = textOf(1, 2_000, "Nice post.");

/** Image URLs returned by POST /v1/media (the server's own media only). */
export const PostImagesSchema = z
  .array(z.string().min(1).max(2_048))
  .max(20)
  .openapi({ description: "URLs from POST /v1/media (at most MAX_POST_IMAGES, default 9)" });

export const AuthorSchema = z.object({ id: IdSchema, username: z.string(), displayName: z.string() }).openapi("Author");

export const PostStatsSchema = z
  .object({ likes: z.number().int(), comments: z.number().int(), views: z.number().int() })
  .openapi("PostStats", { description: "Eventually consistent; converges to the exact counts within seconds" });

export const PostSchema = z
  .object({
    id: IdSchema,
    author: AuthorSchema,
    content: z.string(),
    images: z.array(z.string()),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
    stats: PostStatsSchema,
    likedByMe: z.boolean().optional().openapi({ description: "Present when the caller is authenticated" }),
  })
  .openapi("Post");

export const CreatePostBodySchema = z
  .strictObject({ content: PostContentSchema, images: PostImagesSchema.optional() })
  .openapi("CreatePostBody");

export const UpdatePostBodySchema = z
  .strictObject({ content: PostContentSchema.optional(), images: PostImagesSchema.optional() })
  .refine((b) => b.content !== undefined || b.images !== undefined, "give content, images or both")
  .openapi("UpdatePostBody");

export const LikeResultSchema = z
  .object({
    liked: z.boolean(),
    likes: z
      .number()
      .int()
      .openapi({ description: "The stored count with the caller's own change in it (others' within seconds)" }),
  })
  .openapi("LikeResult");

export const CommentSchema = z
  .object({ id: IdSchema, postId: IdSchema, author: AuthorSchema, content: z.string(), createdAt: TimestampSchema })
  .openapi("Comment");

export const CommentBodySchema = z.strictObject({ content: CommentContentSchema }).openapi("CommentBody");

export const HotListSchema = z
  .object({
    items: z.array(PostSchema),
    refreshedAt: TimestampSchema.openapi({ description: "When the cron last scored the posts" }),
  })
  .openapi("HotList");

export const MediaSchema = z
  .object({
    url: z.string().openapi({ example: "http://127.0.0.1:8787/media/01936b2e-8f5c-7a3e-9b1d-2f4a6c8e0b1d.png" }),
    contentType: z.string(),
    bytes: z.number().int(),
  })
  .openapi("Media");

/** `?ids=a,b,c`: the posts a client shows, 1-50 distinct ids, comma-separated. */
export const LiveQuerySchema = z.object({
  ids: z
    .string()
    .max(50 * 37)
    .transform((value, ctx) => {
      const ids = [...new Set(value.split(",").map((id) => id.trim()))];
      const bad = ids.length === 0 || ids.length > 50 || ids.some((id) => !IdSchema.safeParse(id).success);
      if (bad) {
        ctx.addIssue({ code: "custom", message: "1-50 post ids, comma-separated" });
        return z.NEVER;
      }
      return ids;
    })
    .openapi({
      param: { name: "ids", in: "query", description: "1-50 post ids, comma-separated" },
      type: "string",
      example: "01936b2e-8f5c-7a3e-9b1d-2f4a6c8e0b1d",
    }),
});

export const LiveFrameSchema = z
  .object({ type: z.literal("post"), id: IdSchema, stats: PostStatsSchema })
  .openapi("LivePostFrame", { description: "One `data:` line of the stream: a post's counters changed" });

export const TagParamSchema = z.object({
  tag: z
    .string()
    .regex(TAG_PATTERN, "1-50 letters, digits or _")
    .transform((t) => t.toLowerCase())
    .openapi({ param: { name: "tag", in: "path" }, example: "plaza", type: "string" }),
});

export const TrendingTagsSchema = z
  .object({
    items: z.array(
      z.object({
        tag: z.string(),
        score: z.number().openapi({ description: "Recent uses, each weighted down by age like the hot list" }),
        posts: z.number().int().openapi({ description: "Posts of the last day with the tag" }),
      }),
    ),
    refreshedAt: TimestampSchema,
  })
  .openapi("TrendingTags");

export const SearchQuerySchema = z.object({
  q: z.string().trim().min(1).max(200).openapi({ example: "plaza launch" }),
  limit: z.coerce.number().int().min(1).max(50).default(20).openapi({ example: 20 }),
  cursor: z.string().min(1).max(512).optional(),
});

export const SearchResultSchema = z
  .object({
    items: z.array(
      z.object({
        post: PostSchema,
        snippet: z
          .array(z.object({ text: z.string(), match: z.boolean() }))
          .openapi({ description: "The text around the match, in parts; `match` parts are what was searched for" }),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .openapi("PostSearchResult");

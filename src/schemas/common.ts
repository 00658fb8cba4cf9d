// Schemas shared by every resource: ids, timestamps, pagination and the problem document.
import { z } from "@hono/zod-openapi";

export const IdSchema = z.uuid().openapi({ example: "01936b2e-8f5c-7a3e-9b1d-2f4a6c8e0b1d" });

export const IdParamSchema = z.object({
  id: IdSchema.openapi({ param: { name: "id", in: "path" } }),
});

export const TimestampSchema = z.iso.datetime().openapi({ example: "2026-11-22T09:30:00.000Z" });

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().openapi({ example: "validation_failed" }),
    requestId: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

/**
 * `Idempotency-Key` of a retryable write (posts, tasks): 1-255 visible ASCII characters. A
 * retry with the same key from the same user returns the first result.
 */
export const IdempotencyHeaderSchema = z.object({
  "idempotency-key": z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, "1-255 visible ASCII characters")
    .optional()
    .openapi({
      param: {
        name: "idempotency-key",
        in: "header",
        description: "Idempotency-Key: retries with the same key from the same user return the first result",
      },
    }),
});

/** `?limit=&cursor=`: limit defaults to 20 and is capped at 100; cursor is opaque. */
export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ example: 20 }),
  cursor: z.string().min(1).max(512).optional(),
});

/** `{items, nextCursor}` for a list of `item`. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/**
 * `Plaza-Bookmark`: the newest bookmark the client was given (decision 0075). Checked by the
 * bookmarks() middleware (a malformed one is 400 invalid_bookmark); declared here for the document.
 */
export const BookmarkHeaderSchema = z.object({
  "plaza-bookmark": z
    .string()
    .optional()
    .openapi({
      param: {
        name: "plaza-bookmark",
        in: "header",
        description:
          "The newest Plaza-Bookmark this client got (answers carry one): reads at least as new as it (read-your-writes)",
      },
    }),
});

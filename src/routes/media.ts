// Media: image uploads to R2 (POST /v1/media) and serving them back (GET /media/:key).
import { createRoute, z } from "@hono/zod-openapi";
import { requireAuth } from "../auth/middleware";
import { errors } from "../errors";
import { bearerSecurity, createRouter, json, problems } from "../lib/openapi";
import { limitWrites } from "../middleware/write-limit";
import { MediaSchema } from "../schemas/posts";
import { isMediaKey, mediaUrl, storeMedia } from "../services/media";

/** The upload path: the app-wide JSON body limit gives way to MEDIA_MAX_BYTES here. */
export const MEDIA_UPLOAD_PATH = "/v1/media";

const binary = z.string().openapi({ type: "string", format: "binary" });

const uploadRoute = createRoute({
  method: "post",
  path: "/media",
  tags: ["Media"],
  summary: "Upload an image (PNG, JPEG, GIF, WebP or AVIF; judged by its bytes; <= MEDIA_MAX_BYTES)",
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  request: { body: { content: { "image/*": { schema: binary } }, required: true } },
  responses: { 201: json(MediaSchema, "Stored; use `url` in a post's images"), ...problems(400, 401, 413, 415, 429) },
});

const serveRoute = createRoute({
  method: "get",
  path: "/media/{key}",
  tags: ["Media"],
  summary: "An uploaded image (immutable; supports ETag and Range)",
  request: { params: z.object({ key: z.string().openapi({ param: { name: "key", in: "path" } }) }) },
  responses: {
    200: { content: { "image/*": { schema: binary } }, description: "The image" },
    206: { description: "Part of the image (Range)" },
    304: { description: "Not modified" },
    ...problems(404),
  },
});

/** First and last byte of the range R2 served, or undefined for the whole object. */
function byteRange(range: R2Range | undefined, size: number): { first: number; last: number } | undefined {
  if (!range) return undefined;
  // R2 reports the range with absent members as undefined keys, so test values, not keys.
  const { offset, length, suffix } = range as { offset?: number; length?: number; suffix?: number };
  const first = suffix !== undefined ? Math.max(0, size - suffix) : (offset ?? 0);
  return { first, last: Math.min(size, first + (length ?? size - first)) - 1 };
}

export const mediaUploadRoutes = createRouter().openapi(uploadRoute, async (c) => {
  const declared = (c.req.header("Content-Type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (!declared.startsWith("image/"))
    throw errors.unsupportedMediaType("Send the image bytes with Content-Type: image/*.");
  const stored = await storeMedia(c.env.MEDIA, await c.req.arrayBuffer(), c.var.auth.id);
  c.var.log.info("media stored", { key: stored.key, bytes: stored.bytes, contentType: stored.contentType });
  return c.json(
    { url: mediaUrl(new URL(c.req.url).origin, stored.key), contentType: stored.contentType, bytes: stored.bytes },
    201,
  );
});

export const mediaServeRoutes = createRouter().openapi(serveRoute, async (c) => {
  const { key } = c.req.valid("param");
  if (!isMediaKey(key)) throw errors.notFound("media");
  // Only well-formed single ranges reach R2; anything else is served whole (RFC 9110 allows ignoring Range).
  const wantsRange = /^bytes=(\d+-\d*|-\d+)$/.test(c.req.header("Range") ?? "");
  const object = await c.env.MEDIA.get(key, {
    onlyIf: c.req.raw.headers,
    ...(wantsRange ? { range: c.req.raw.headers } : {}),
  });
  if (!object) throw errors.notFound("media");
  const headers = new Headers({ "X-Content-Type-Options": "nosniff", "Accept-Ranges": "bytes" });
  object.writeHttpMetadata(headers);
  headers.set("ETag", object.httpEtag);
  if (!("body" in object)) return new Response(null, { status: 304, headers });
  const range = wantsRange ? byteRange(object.range, object.size) : undefined;
  if (!range) return new Response(object.body, { status: 200, headers });
  headers.set("Content-Range", `bytes ${range.first}-${range.last}/${object.size}`);
  return new Response(object.body, { status: 206, headers });
});

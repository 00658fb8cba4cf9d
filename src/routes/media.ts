// Media: image uploads to R2 (POST /v1/media) and serving them back (GET /media/:key).
import { createRoute, z } from "@hono/zod-openapi";
import { requireAuth } from "../auth/middleware";
import { errors } from "../errors";
import { evaluateConditional } from "../lib/http-conditional";
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
  summary: "An uploaded image (immutable; conditional requests and single byte ranges, RFC 9110)",
  request: { params: z.object({ key: z.string().openapi({ param: { name: "key", in: "path" } }) }) },
  responses: {
    200: { content: { "image/*": { schema: binary } }, description: "The image" },
    206: { description: "Part of the image (Range)" },
    304: { description: "Not modified (If-None-Match / If-Modified-Since)" },
    ...problems(404, 412, 416),
  },
});

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

/** Request headers that make a GET conditional or partial (RFC 9110 13.1, 14.2). */
const CONDITIONAL = ["If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "Range"];

/** The response headers of a stored image (also on 304 and 412: ETag, Last-Modified, caching). */
function mediaHeaders(object: R2Object): Headers {
  const headers = new Headers({ "X-Content-Type-Options": "nosniff", "Accept-Ranges": "bytes" });
  object.writeHttpMetadata(headers);
  headers.set("ETag", object.httpEtag);
  headers.set("Last-Modified", object.uploaded.toUTCString());
  return headers;
}

export const mediaServeRoutes = createRouter().openapi(serveRoute, async (c) => {
  const { key } = c.req.valid("param");
  if (!isMediaKey(key)) throw errors.notFound("media");
  const request = c.req.raw.headers;
  // A plain GET is one R2 read. A conditional or partial one reads the metadata first and decides
  // here (RFC 9110 13.2.2): R2's own onlyIf cannot tell a 412 from a 304, nor report a 416.
  if (!CONDITIONAL.some((name) => request.has(name))) {
    const object = await c.env.MEDIA.get(key);
    if (!object) throw errors.notFound("media");
    return new Response(object.body, { status: 200, headers: mediaHeaders(object) });
  }
  const head = await c.env.MEDIA.head(key);
  if (!head) throw errors.notFound("media");
  const headers = mediaHeaders(head);
  const outcome = evaluateConditional(request, {
    etag: head.httpEtag,
    lastModified: head.uploaded.getTime(),
    size: head.size,
  });
  if (outcome.status === 412)
    throw errors.preconditionFailed({ ETag: head.httpEtag, "Last-Modified": head.uploaded.toUTCString() });
  if (outcome.status === 416) throw errors.rangeNotSatisfiable(head.size);
  if (outcome.status === 304) return new Response(null, { status: 304, headers });
  const range =
    outcome.status === 206 ? { offset: outcome.first, length: outcome.last - outcome.first + 1 } : undefined;
  // Stored media are immutable (a new upload is a new key), so the metadata read above still holds.
  const object = await c.env.MEDIA.get(key, range ? { range } : {});
  if (!object) throw errors.notFound("media");
  if (outcome.status !== 206) return new Response(object.body, { status: 200, headers });
  headers.set("Content-Range", `bytes ${outcome.first}-${outcome.last}/${head.size}`);
  headers.set("Content-Length", String(outcome.last - outcome.first + 1));
  return new Response(object.body, { status: 206, headers });
});

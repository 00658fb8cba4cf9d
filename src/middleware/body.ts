// Request body guards: a byte cap that also holds for chunked bodies, and strict UTF-8 for JSON.
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { errors } from "../errors";

/**
 * Rejects bodies larger than `maxBytes` with 413. Hono's bodyLimit checks Content-Length
 * and, for chunked bodies, counts bytes as they stream in.
 */
export function limitBody(maxBytes: (c: Context<AppEnv>) => number) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const max = maxBytes(c);
    return bodyLimit({
      maxSize: max,
      onError: () => {
        throw errors.payloadTooLarge(max);
      },
    })(c, next);
  });
}

const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/i;
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * JSON bodies must be valid UTF-8: the platform would otherwise replace bad bytes with
 * U+FFFD and store them. The bytes stay in Hono's body cache, so the validator reads them
 * again without touching the stream.
 */
export function strictJsonText() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const mediaType = (c.req.header("Content-Type") ?? "").split(";")[0]?.trim() ?? "";
    if (c.req.raw.body && JSON_MEDIA.test(mediaType)) {
      const bytes = await c.req.arrayBuffer();
      try {
        utf8.decode(bytes);
      } catch {
        throw errors.invalidEncoding();
      }
    }
    await next();
  });
}

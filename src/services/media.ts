// Images in R2 (MEDIA): uploads are checked by their magic bytes and stored under a fresh
// key with their owner; posts may only reference their author's own uploads.
import { errors, type FieldIssue } from "../errors";
import { newId } from "../lib/ids";
import { detectImageType, type ImageType } from "../lib/image-type";

/** Where media are served: GET /media/<key>. */
export const MEDIA_PATH = "/media/";

/** `<uuid>.<ext>`: the only keys Plaza writes, so nothing else is ever looked up. */
const MEDIA_KEY_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(png|jpg|gif|webp|avif)$/;

export function isMediaKey(key: string): boolean {
  return MEDIA_KEY_RE.test(key);
}

/** The public URL of a media key. */
export function mediaUrl(origin: string, key: string): string {
  return `${origin}${MEDIA_PATH}${key}`;
}

/** The media key a URL of ours names (absolute on `origin`, or a bare `/media/...` path), or undefined. */
export function mediaKeyFromUrl(url: string, origin: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url, origin);
  } catch {
    return undefined;
  }
  if (parsed.origin !== origin || !parsed.pathname.startsWith(MEDIA_PATH) || parsed.search || parsed.hash)
    return undefined;
  const key = parsed.pathname.slice(MEDIA_PATH.length);
  return isMediaKey(key) ? key : undefined;
}

export interface StoredMedia {
  key: string;
  contentType: ImageType["mime"];
  bytes: number;
}

/** Stores an uploaded image owned by `ownerId`. Non-image bytes are a 415, an empty body a 400. */
export async function storeMedia(bucket: R2Bucket, body: ArrayBuffer, ownerId: string): Promise<StoredMedia> {
  const bytes = new Uint8Array(body);
  if (bytes.length === 0) throw errors.validation([{ path: "(body)", message: "the image is empty" }]);
  const type = detectImageType(bytes);
  if (!type) throw errors.unsupportedMediaType("The body is not a PNG, JPEG, GIF, WebP or AVIF image.");
  const key = `${newId()}.${type.ext}`;
  await bucket.put(key, bytes, {
    httpMetadata: { contentType: type.mime, cacheControl: "public, max-age=31536000, immutable" },
    customMetadata: { owner: ownerId },
  });
  return { key, contentType: type.mime, bytes: bytes.length };
}

/**
 * Turns a post's image URLs into media keys, checking that each names an upload of
 * `ownerId`'s. A foreign or malformed URL is a 400; a missing or foreign object a 422.
 */
export async function resolveOwnImages(
  bucket: R2Bucket,
  urls: readonly string[],
  origin: string,
  ownerId: string,
  maxImages: number,
): Promise<string[]> {
  if (urls.length > maxImages) throw errors.validation([{ path: "images", message: `at most ${maxImages} images` }]);
  const issues: FieldIssue[] = [];
  const keys = urls.map((url, i) => {
    const key = mediaKeyFromUrl(url, origin);
    if (!key) issues.push({ path: `images.${i}`, message: "not a URL from POST /v1/media" });
    return key ?? "";
  });
  if (issues.length > 0) throw errors.validation(issues);
  const heads = await Promise.all(keys.map((key) => bucket.head(key)));
  const missing = heads.flatMap((head, i) => (head?.customMetadata?.owner === ownerId ? [] : [i]));
  if (missing.length > 0) {
    throw errors.unprocessable("unknown_media", `No upload of yours at images ${missing.join(", ")}.`);
  }
  return keys;
}

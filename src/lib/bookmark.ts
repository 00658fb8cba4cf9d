// D1 bookmarks (Plaza-Bookmark): opaque strings that sort oldest to newest
// (https://developers.cloudflare.com/d1/reference/glossary/). A cached state carries the
// bookmark it was read at; a request carrying a newer bookmark reads through D1 instead.
import { z } from "zod";

/** What Plaza accepts as a bookmark: D1's are hex groups joined by dashes; anything else is refused. */
export const BookmarkSchema = z
  .string()
  .max(160)
  .regex(/^[0-9a-f]{1,64}(-[0-9a-f]{1,64}){1,7}$/i);

/** True when `state` (the bookmark a cached state was read at) is at least as new as `wanted`. */
export function coversBookmark(state: string | null, wanted: string | undefined): boolean {
  if (wanted === undefined) return true;
  return state !== null && state >= wanted;
}

/** The newer of two bookmarks (null and undefined are the oldest). */
export function newerBookmark(a: string | null | undefined, b: string | null | undefined): string | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return a >= b ? a : b;
}

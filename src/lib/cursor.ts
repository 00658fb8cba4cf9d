// Opaque page cursors: base64url of a small JSON object naming the list it belongs to and
// the last id of the page. Decoding never throws; an unrecognised cursor is undefined.
import { fromBase64Url, toBase64Url } from "./encoding";

const ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A cursor for the page after `lastId` in the list `kind` (e.g. "feed", "comments"). */
export function encodeCursor(kind: string, lastId: string): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify({ k: kind, id: lastId })));
}

/** The last id a cursor of list `kind` carries, or undefined when it is not such a cursor. */
export function decodeCursor(kind: string, cursor: string): string | undefined {
  try {
    const value: unknown = JSON.parse(
      new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(fromBase64Url(cursor)),
    );
    if (typeof value !== "object" || value === null) return undefined;
    const { k, id } = value as Record<string, unknown>;
    return k === kind && typeof id === "string" && ID_RE.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

// Opaque page cursors: base64url of a small JSON value, checked against a schema on the way
// back in. Every list (feed, comments, rooms, messages, tasks) encodes and decodes here.
import { z } from "zod";
import { errors } from "../errors";
import { fromBase64Url, toBase64Url } from "./encoding";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Encodes a cursor value as an opaque base64url string. */
export function encodeCursor(value: unknown): string {
  return toBase64Url(encoder.encode(JSON.stringify(value)));
}

/** The value of a cursor issued by {@link encodeCursor}, or undefined for anything else. Never throws. */
export function decodeCursor<T extends z.ZodType>(text: string, schema: T): z.output<T> | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(decoder.decode(fromBase64Url(text))));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // not base64url, not UTF-8 or not JSON
  }
}

/** {@link decodeCursor}, where a cursor this server did not issue is 400 invalid_cursor. */
export function readCursor<T extends z.ZodType>(text: string, schema: T): z.output<T> {
  const value = decodeCursor(text, schema);
  if (value === undefined) throw errors.invalidCursor();
  return value;
}

const ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Lists ordered by id: the cursor names its list, so one list's cursor is refused by another. */
const idCursorSchema = (kind: string) => z.object({ k: z.literal(kind), id: z.string().regex(ID_RE) });

/** A cursor for the page after `lastId` in the list `kind` (e.g. "feed", "comments"). */
export function encodeIdCursor(kind: string, lastId: string): string {
  return encodeCursor({ k: kind, id: lastId });
}

/** The last id a cursor of list `kind` carries, or undefined when it is not such a cursor. */
export function decodeIdCursor(kind: string, cursor: string): string | undefined {
  return decodeCursor(cursor, idCursorSchema(kind))?.id;
}

// Opaque page cursors for the room lists and message history: base64url JSON, validated on
// the way back in (a cursor this server did not issue is 400 invalid_cursor).
import { z } from "zod";
import { errors } from "../errors";
import { fromBase64Url, toBase64Url } from "../lib/encoding";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Encodes a cursor value as an opaque string. */
export function encodeCursor(value: unknown): string {
  return toBase64Url(encoder.encode(JSON.stringify(value)));
}

/** Decodes a cursor issued by {@link encodeCursor}; anything else is 400 invalid_cursor. */
export function decodeCursor<T extends z.ZodType>(text: string, schema: T): z.output<T> {
  try {
    const parsed = schema.safeParse(JSON.parse(decoder.decode(fromBase64Url(text))));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through: not base64url, not UTF-8 or not JSON
  }
  throw errors.invalidCursor();
}

const Seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** "My rooms" pages (im: served by the inbox, newest activity first). */
export const MyRoomsCursorSchema = z.strictObject({ activityAt: z.number().int().min(0), roomId: z.string().max(64) });
export const PublicRoomsCursorSchema = z.strictObject({ id: z.string().max(64) });
export const MessageCursorSchema = z.union([z.strictObject({ after: Seq }), z.strictObject({ before: Seq })]);

// What a message body may be: not only whitespace, and at most ROOM_MAX_BODY_CHARS characters,
// counted as Unicode code points (an emoji is one character, as a reader counts it, not two
// UTF-16 units as JavaScript's `length` would say). Sends and edits share this check.
import type { RoomRefusal } from "../../src/protocol/rooms";

/** Unicode code points in `text` (a lone surrogate counts as one). */
export function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Why `body` cannot be a message body, or undefined when it can. */
export function refuseBody(body: string, maxBodyChars: number): RoomRefusal | undefined {
  if (body.trim().length === 0)
    return { ok: false, code: "body_empty", detail: "A message body must contain more than whitespace." };
  // A string of at most max UTF-16 units has at most max code points: only long ones are counted.
  if (body.length > maxBodyChars && codePoints(body) > maxBodyChars)
    return { ok: false, code: "body_too_long", detail: `A message body is at most ${maxBodyChars} characters.` };
  return undefined;
}

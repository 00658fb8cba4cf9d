// Packing durable log rows (messages, and im edit/delete entries) into EVENTS queue messages
// for the D1 archive. A queue message may carry at most 128 KB, so rows are grouped by encoded
// size as well as by count.
import type { ArchiveRow, RoomArchiveEvent } from "../../src/protocol/room-events";

/** Budget per queue message, under the 128 KB limit with room for the envelope. */
export const ARCHIVE_EVENT_BYTES = 96_000;
const MAX_MESSAGES_PER_EVENT = 100;
const encoder = new TextEncoder();

/** Splits `messages` (in seq order) into archive events within the size and count budgets. */
export function packArchive(
  roomId: string,
  messages: readonly ArchiveRow[],
  maxBytes = ARCHIVE_EVENT_BYTES,
): RoomArchiveEvent[] {
  const events: RoomArchiveEvent[] = [];
  let current: ArchiveRow[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = encoder.encode(JSON.stringify(message)).byteLength + 1;
    if (current.length > 0 && (bytes + size > maxBytes || current.length >= MAX_MESSAGES_PER_EVENT)) {
      events.push({ type: "room.archive", roomId, messages: current });
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) events.push({ type: "room.archive", roomId, messages: current });
  return events;
}

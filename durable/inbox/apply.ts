// Applying a room's delivery to the inbox: each (room, seq) once, whatever the order or how
// often it arrives. Returns what the devices should see and whether the user should get a push.
import type { InboxDelivery } from "../../src/protocol/inbox";
import { entrySeq, type Message, type RoomEntry } from "../../src/protocol/protocol";
import type { InboxStore } from "./store";

export interface Applied {
  /** Entries applied now (not seen before), in seq order. */
  entries: RoomEntry[];
  duplicates: number;
  /** The room's unread count after the delivery, when it changed. */
  unread: { count: number; readSeq: number } | undefined;
  /** The newest new message from someone else (a push candidate). */
  notable: Message | undefined;
}

/**
 * Applies `delivery` for user `userId` in one transaction; the room row must exist. Per entry
 * it only records the seq as seen and the unread row; the room's row (highest seq, last
 * message, seen window) is written once per delivery, which is what a room's once-a-second
 * round of many entries needs.
 */
export function applyDelivery(store: InboxStore, userId: string, delivery: InboxDelivery, now: number): Applied {
  return store.transaction(() => {
    const roomId = delivery.room.id;
    const before = store.room(roomId);
    if (!before || before.member === 0)
      return { entries: [], duplicates: delivery.entries.length, unread: undefined, notable: undefined };
    const entries: RoomEntry[] = [];
    let notable: Message | undefined;
    // The newest new message of the delivery, as later entries of the delivery leave it.
    let newest: Message | undefined;
    const unreadSeqs: number[] = [];
    const deletedSeqs: number[] = [];
    const sorted = [...delivery.entries].sort((a, b) => entrySeq(a) - entrySeq(b));
    const fresh = store.markSeenMany(roomId, sorted.map(entrySeq), now, before.seen_floor);
    for (const entry of sorted) {
      // Taken out once applied, so an entry repeated inside the delivery applies once.
      if (!fresh.delete(entrySeq(entry))) continue;
      entries.push(entry);
      const message = entry.message;
      if (entry.type === "message") {
        newest = message;
        if (message.sender.id !== userId && !message.deletedAt) {
          unreadSeqs.push(message.seq);
          notable = message;
        }
        continue;
      }
      // An edit or delete: of the delivery's newest message, or of the one stored already.
      if (newest?.seq === message.seq) newest = message;
      else store.updateLastMessage(roomId, message);
      if (entry.type === "deleted") deletedSeqs.push(message.seq);
    }
    // Unread rows first, then deletions (which turn a row into a deleted one, in either order).
    const added = store.addUnreadMany(roomId, unreadSeqs, before.read_seq);
    for (const seq of deletedSeqs) store.markUnreadDeleted(roomId, seq, before.read_seq);
    const last = entries.at(-1);
    if (last) {
      const highest = entrySeq(last);
      store.raiseLastSeq(roomId, highest);
      if (newest) store.setLastMessage(roomId, newest);
      store.pruneSeen(roomId, highest, before.seen_floor);
    }
    store.touch(roomId, delivery.room.memberCount);
    // Without deletions the count moved by the rows added; a deletion may remove a counted one.
    const count = deletedSeqs.length === 0 ? before.unread + added : store.room(roomId)!.unread;
    const unread = count !== before.unread ? { count, readSeq: before.read_seq } : undefined;
    return { entries, duplicates: delivery.entries.length - entries.length, unread, notable };
  });
}

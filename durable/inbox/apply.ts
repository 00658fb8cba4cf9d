// Applying a room's delivery to the inbox: each (room, seq) once, whatever the order or how
// often it arrives. Returns what the devices should see and whether the user should get a push.
import type { InboxDelivery } from "../../src/shared/inbox";
import { entrySeq, type Message, type RoomEntry } from "../../src/shared/protocol";
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

/** Applies `delivery` for user `userId` in one transaction; the room row must exist. */
export function applyDelivery(store: InboxStore, userId: string, delivery: InboxDelivery, now: number): Applied {
  return store.transaction(() => {
    const roomId = delivery.room.id;
    const before = store.room(roomId);
    if (!before || before.member === 0) return { entries: [], duplicates: delivery.entries.length, unread: undefined, notable: undefined };
    const entries: RoomEntry[] = [];
    let notable: Message | undefined;
    const sorted = [...delivery.entries].sort((a, b) => entrySeq(a) - entrySeq(b));
    for (const entry of sorted) {
      const seq = entrySeq(entry);
      if (!store.markSeen(roomId, seq, now, before.seen_floor)) continue;
      entries.push(entry);
      store.raiseLastSeq(roomId, seq);
      const message = entry.message;
      if (entry.type === "message") {
        store.setLastMessage(roomId, message);
        if (message.sender.id !== userId && !message.deletedAt) {
          store.addUnread(roomId, message.seq, before.read_seq);
          notable = message;
        }
      } else {
        store.updateLastMessage(roomId, message);
        if (entry.type === "deleted") store.markUnreadDeleted(roomId, message.seq, before.read_seq);
      }
      store.pruneSeen(roomId, seq);
    }
    store.touch(roomId, delivery.room.memberCount);
    const after = store.room(roomId)!;
    const unread = after.unread !== before.unread ? { count: after.unread, readSeq: after.read_seq } : undefined;
    return { entries, duplicates: delivery.entries.length - entries.length, unread, notable };
  });
}

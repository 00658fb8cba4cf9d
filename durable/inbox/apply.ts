// Applying a room's round to the inbox's read state: entries after the room's high-water mark
// `counted_seq`, in seq order; anything at or below it was counted already (a redelivery or a
// reordered round). A round that starts past the mark means the inbox missed entries: the
// caller fills the gap from the room and applies the round again. A round only stages the
// room's new row (the store writes staged rows together, at most every few seconds), so a busy
// room costs its listeners a row write per flush, not per message (docs/decisions/0071).
import type { InboxDelivery } from "../../src/protocol/inbox";
import { entrySeq, type Message, type RoomEntry } from "../../src/protocol/protocol";
import type { InboxStore, RoomRow } from "./store";

export interface Applied {
  /** Entries new to this inbox (past the mark it had before the round), in seq order: the devices' frames. */
  entries: RoomEntry[];
  duplicates: number;
  /** The room's unread count after the round, when it changed. */
  unread: { count: number; readSeq: number } | undefined;
  /** The newest new message from someone else (a push candidate). */
  notable: Message | undefined;
}

/** The round does not follow what the inbox has counted: the room must say where the member stands. */
export const GAP = "gap";

/**
 * Applies `delivery` for user `userId` in one transaction; the room row must exist.
 * - a message from someone else after the read cursor: unread + 1 (whatever its state now: a
 *   later delete entry takes it back off, so each message counts once);
 * - my own message: the room moved my cursor to it, so everything up to it is read;
 * - a delete of a message from someone else after the cursor, counted (at or below the mark):
 *   unread - 1, never below 0;
 * - an edit or delete of the newest message: the room's last message changes.
 * `shownThrough`: entries at or below it have been shown to the devices (a gap filled just now).
 */
export function applyDelivery(
  store: InboxStore,
  userId: string,
  delivery: InboxDelivery,
  shownThrough?: number,
): Applied | typeof GAP {
  return store.transaction(() => {
    const roomId = delivery.room.id;
    const row = store.room(roomId);
    const none: Applied = { entries: [], duplicates: delivery.entries.length, unread: undefined, notable: undefined };
    if (!row || row.member === 0) return none;
    const sorted = [...delivery.entries].sort((a, b) => entrySeq(a) - entrySeq(b));
    const first = sorted[0];
    if (!first) return none;
    const fromSeq = delivery.fromSeq ?? entrySeq(first) - 1;
    if (fromSeq > row.counted_seq) return GAP;
    const state = store.stateOf(row);
    const shown = shownThrough ?? row.counted_seq;
    const entries: RoomEntry[] = [];
    let notable: Message | undefined;
    let last: Pick<RoomRow, "last_message" | "activity_at"> = row;
    for (const entry of sorted) {
      const seq = entrySeq(entry);
      if (seq > shown && !entries.some((e) => entrySeq(e) === seq)) entries.push(entry);
      if (seq <= state.countedSeq) continue;
      state.countedSeq = seq;
      const message = entry.message;
      last = entry.type === "message" ? newerLast(last, message) : changedLast(last, message);
      if (entry.type === "message") {
        if (message.sender.id === userId) {
          state.readSeq = Math.max(state.readSeq, message.seq);
          state.unread = 0;
        } else if (message.seq > state.readSeq) {
          state.unread++;
          if (!message.deletedAt) notable = message;
        }
        continue;
      }
      if (entry.type === "deleted" && message.sender.id !== userId && message.seq > state.readSeq) {
        state.unread = Math.max(0, state.unread - 1);
        if (notable?.seq === message.seq) notable = undefined;
      }
    }
    store.stage({
      ...row,
      ...last,
      read_seq: state.readSeq,
      unread: state.unread,
      counted_seq: state.countedSeq,
      last_seq: Math.max(row.last_seq, state.countedSeq),
      member_count: delivery.room.memberCount,
    });
    // Devices hear of a changed count (my own message moves my cursor but, with nothing unread, changes nothing).
    const unread = state.unread !== row.unread ? { count: state.unread, readSeq: state.readSeq } : undefined;
    return { entries, duplicates: delivery.entries.length - entries.length, unread, notable };
  });
}

/** The room's last message after a new one: the newest by seq (a late older message changes nothing). */
function newerLast(
  last: Pick<RoomRow, "last_message" | "activity_at">,
  message: Message,
): Pick<RoomRow, "last_message" | "activity_at"> {
  const current = last.last_message ? (JSON.parse(last.last_message) as Message) : undefined;
  if (current && current.seq > message.seq) return last;
  return {
    last_message: JSON.stringify(message),
    activity_at: Math.max(last.activity_at, Date.parse(message.createdAt) || 0),
  };
}

/** The room's last message after an edit or delete: changed only when it is that message. */
function changedLast(
  last: Pick<RoomRow, "last_message" | "activity_at">,
  message: Message,
): Pick<RoomRow, "last_message" | "activity_at"> {
  const current = last.last_message ? (JSON.parse(last.last_message) as Message) : undefined;
  return current?.seq === message.seq ? { ...last, last_message: JSON.stringify(message) } : last;
}

// Applying rounds to an inbox's read state (the real object's storage): entries past the
// counted seq, once, in order; a round that starts past it is a gap; a delete takes a counted
// message back off; my own message reads the room up to it (docs/decisions/0071).
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type Applied, applyDelivery, GAP } from "../../durable/inbox/apply";
import { InboxStore } from "../../durable/inbox/store";
import type { InboxDelivery } from "../../src/protocol/inbox";
import type { Message, RoomEntry } from "../../src/protocol/protocol";

const ROOM = "room-apply";
const ME = { id: "user-me", username: "me" };
const OTHER = { id: "user-other", username: "other" };

const message = (seq: number, sender = OTHER, body = `m${seq}`): Message => ({
  id: `id-${seq}`,
  roomId: ROOM,
  seq,
  clientMsgId: `c${seq}`,
  sender,
  body,
  createdAt: new Date(1_700_000_000_000 + seq).toISOString(),
});
const sent = (seq: number, sender = OTHER): RoomEntry => ({ type: "message", message: message(seq, sender) });
const deleted = (seq: number, target: number, sender = OTHER): RoomEntry => ({
  type: "deleted",
  seq,
  message: { ...message(target, sender, ""), deletedAt: new Date().toISOString() },
});
const edited = (seq: number, target: number, body: string): RoomEntry => ({
  type: "edited",
  seq,
  message: { ...message(target, OTHER, body), editedAt: new Date().toISOString() },
});
const round = (fromSeq: number, entries: RoomEntry[]): InboxDelivery => ({
  room: { id: ROOM, kind: "group", memberCount: 2 },
  fromSeq,
  entries,
  watching: [],
});
const applied = (result: Applied | typeof GAP): Applied => {
  if (result === GAP) throw new Error("unexpected gap");
  return result;
};
const seqs = (result: Applied) => result.entries.map((e) => (e.type === "message" ? e.message.seq : e.seq));

/** Runs `work` on a fresh inbox object's storage with the room joined (nothing read yet). */
function withStore<T>(work: (store: InboxStore) => T): Promise<T> {
  const stub = env.INBOX.get(env.INBOX.newUniqueId());
  return runInDurableObject(stub, (_, state) => {
    const store = new InboxStore(state.storage);
    store.upsertMembership(
      { roomId: ROOM, kind: "group", name: "g", role: "member", memberCount: 2, createdAt: new Date().toISOString() },
      0,
    );
    return work(store);
  });
}

describe("inbox: applying rounds to the read state", () => {
  it("counts each entry once across repeated and overlapping rounds; one row write per round", async () => {
    const result = await withStore((store) => {
      const first = applied(applyDelivery(store, ME.id, round(0, [sent(1), sent(2), sent(3)])));
      const overlap = applied(applyDelivery(store, ME.id, round(1, [sent(2), sent(3), sent(4), sent(5)])));
      const again = applied(applyDelivery(store, ME.id, round(0, [sent(1)])));
      return { first, overlap, again, row: store.room(ROOM)! };
    });
    expect(seqs(result.first)).toEqual([1, 2, 3]);
    expect(result.first.unread).toEqual({ count: 3, readSeq: 0 });
    expect(seqs(result.overlap)).toEqual([4, 5]);
    expect(result.overlap.duplicates).toBe(2);
    expect(result.again).toMatchObject({ entries: [], duplicates: 1, unread: undefined });
    expect(result.row).toMatchObject({ unread: 5, counted_seq: 5, last_seq: 5, read_seq: 0 });
    expect(JSON.parse(result.row.last_message!)).toMatchObject({ seq: 5, body: "m5" });
  });

  it("a round that starts past the counted seq is a gap and changes nothing (the inbox asks the room)", async () => {
    const result = await withStore((store) => {
      applyDelivery(store, ME.id, round(0, [sent(1)]));
      const ahead = applyDelivery(store, ME.id, round(3, [sent(4), sent(5)]));
      // An old-style round without fromSeq: its first entry says where it starts.
      const unmarked = applyDelivery(store, ME.id, { ...round(0, [sent(7)]), fromSeq: undefined });
      return { ahead, unmarked, row: store.room(ROOM)! };
    });
    expect(result.ahead).toBe(GAP);
    expect(result.unmarked).toBe(GAP);
    expect(result.row).toMatchObject({ unread: 1, counted_seq: 1 });
  });

  it("a delete takes a counted message back off, once; whatever state the message arrived in", async () => {
    const result = await withStore((store) => {
      applyDelivery(store, ME.id, round(0, [sent(1), sent(2)]));
      const afterDelete = applied(applyDelivery(store, ME.id, round(2, [deleted(3, 2)])));
      // A message that arrives already deleted still counts until its delete entry, in the same round here.
      applyDelivery(store, ME.id, round(3, [{ type: "message", message: { ...message(4), deletedAt: "x" } }]));
      const between = store.room(ROOM)!.unread;
      applyDelivery(store, ME.id, round(4, [deleted(5, 4)]));
      // A redelivered delete changes nothing.
      applyDelivery(store, ME.id, round(2, [deleted(3, 2), sent(4), deleted(5, 4)]));
      return { afterDelete, between, row: store.room(ROOM)! };
    });
    expect(result.afterDelete.unread).toEqual({ count: 1, readSeq: 0 });
    expect(result.between).toBe(2);
    expect(result.row).toMatchObject({ unread: 1, counted_seq: 5 });
  });

  it("my own message reads the room up to it; deleting my own or a read message counts nothing", async () => {
    const result = await withStore((store) => {
      applyDelivery(store, ME.id, round(0, [sent(1), sent(2)]));
      const mine = applied(applyDelivery(store, ME.id, round(2, [sent(3, ME)])));
      applyDelivery(store, ME.id, round(3, [sent(4), deleted(5, 3, ME), deleted(6, 1)]));
      return { mine, row: store.room(ROOM)! };
    });
    expect(result.mine.unread).toEqual({ count: 0, readSeq: 3 });
    expect(result.row).toMatchObject({ unread: 1, read_seq: 3, counted_seq: 6 });
  });

  it("the last message follows an edit or delete of the newest, in the same round or a later one", async () => {
    const rows = await withStore((store) => {
      applyDelivery(store, ME.id, round(0, [sent(1), sent(2), edited(3, 2, "m2 edited")]));
      const afterEdit = store.room(ROOM)!;
      applyDelivery(store, ME.id, round(3, [deleted(4, 2)]));
      return { afterEdit, afterDelete: store.room(ROOM)! };
    });
    expect(JSON.parse(rows.afterEdit.last_message!)).toMatchObject({ seq: 2, body: "m2 edited" });
    expect(rows.afterEdit).toMatchObject({ unread: 2, last_seq: 3 });
    expect(JSON.parse(rows.afterDelete.last_message!)).toMatchObject({ seq: 2, body: "" });
    expect(rows.afterDelete.unread).toBe(1);
  });

  it("a read the room answered takes its count; a stale one (the inbox counted further) is refused", async () => {
    const result = await withStore((store) => {
      applyDelivery(store, ME.id, round(0, [sent(1), sent(2), sent(3)]));
      const fresh = store.applyRead(ROOM, { readSeq: 2, unread: 1, asOf: 3 });
      applyDelivery(store, ME.id, round(3, [sent(4)]));
      const stale = store.applyRead(ROOM, { readSeq: 3, unread: 0, asOf: 3 });
      const through = store.applyRead(ROOM, { readSeq: 4, unread: 0, asOf: 3 });
      return { fresh, stale, through, row: store.room(ROOM)! };
    });
    expect(result.fresh).toEqual({ readSeq: 2, unread: 1 });
    expect(result.stale).toBe("stale");
    expect(result.through).toEqual({ readSeq: 4, unread: 0 });
    expect(result.row).toMatchObject({ unread: 0, read_seq: 4, counted_seq: 4 });
  });

  it("stages rounds in memory until a flush; an inbox evicted before it sees a gap next, and loses nothing", async () => {
    const stub = env.INBOX.get(env.INBOX.newUniqueId());
    const result = await runInDurableObject(stub, (_, state) => {
      const store = new InboxStore(state.storage);
      store.upsertMembership(
        { roomId: ROOM, kind: "group", name: "g", role: "member", memberCount: 2, createdAt: new Date().toISOString() },
        0,
      );
      applyDelivery(store, ME.id, round(0, [sent(1), sent(2)]));
      store.flush();
      applyDelivery(store, ME.id, round(2, [sent(3)]));
      const staged = store.room(ROOM)!.counted_seq;
      // The object restarts: what was staged is gone, the stored row is the flushed one.
      const restarted = new InboxStore(state.storage);
      const stored = restarted.room(ROOM)!;
      const next = applyDelivery(restarted, ME.id, round(3, [sent(4)]));
      return { staged, stored, next };
    });
    expect(result.staged).toBe(3);
    expect(result.stored).toMatchObject({ counted_seq: 2, unread: 2 });
    expect(result.next).toBe(GAP);
  });
});

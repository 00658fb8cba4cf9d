// Applying deliveries to an inbox's SQLite storage (the real object's storage): each (room,
// seq) once, whatever the order; the last message follows edits in the same delivery; the
// seen window is pruned in steps and never lets an old seq count twice.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { applyDelivery } from "../../durable/inbox/apply";
import { InboxStore } from "../../durable/inbox/store";
import type { InboxDelivery } from "../../src/protocol/inbox";
import type { Message, RoomEntry } from "../../src/protocol/protocol";

const ROOM = "room-apply";
const ME = "user-me";
const OTHER = { id: "user-other", username: "other" };

const message = (seq: number, body = `m${seq}`, sender = OTHER): Message => ({
  id: `id-${seq}`,
  roomId: ROOM,
  seq,
  clientMsgId: `c${seq}`,
  sender,
  body,
  createdAt: new Date(1_700_000_000_000 + seq).toISOString(),
});
const sent = (seq: number): RoomEntry => ({ type: "message", message: message(seq) });
const delivery = (entries: RoomEntry[]): InboxDelivery => ({
  room: { id: ROOM, kind: "group", memberCount: 2 },
  entries,
  watching: [],
});

/** Runs `work` on a fresh inbox object's storage with the room joined. */
function withStore<T>(work: (store: InboxStore, sql: SqlStorage) => T): Promise<T> {
  const stub = env.INBOX.get(env.INBOX.newUniqueId());
  return runInDurableObject(stub, (_, state) => {
    const store = new InboxStore(state.storage);
    store.upsertMembership(
      { roomId: ROOM, kind: "group", name: "g", role: "member", memberCount: 2, createdAt: new Date().toISOString() },
      0,
    );
    return work(store, state.storage.sql);
  });
}

describe("inbox: applying deliveries", () => {
  it("applies each seq once across out-of-order and repeated deliveries; unread and the last seq are exact", async () => {
    const result = await withStore((store) => {
      const first = applyDelivery(store, ME, delivery([sent(3), sent(1), sent(2)]), 1);
      const again = applyDelivery(store, ME, delivery([sent(2), sent(5), sent(4), sent(5)]), 2);
      const late = applyDelivery(store, ME, delivery([sent(1)]), 3);
      const row = store.room(ROOM)!;
      return { first, again, late, row };
    });
    expect(result.first.entries.map((e) => (e.type === "message" ? e.message.seq : e.seq))).toEqual([1, 2, 3]);
    expect(result.first.unread).toEqual({ count: 3, readSeq: 0 });
    expect(result.again.entries).toHaveLength(2);
    expect(result.again.duplicates).toBe(2);
    expect(result.late).toMatchObject({ entries: [], duplicates: 1, unread: undefined });
    expect(result.row.unread).toBe(5);
    expect(result.row.last_seq).toBe(5);
    expect(JSON.parse(result.row.last_message!)).toMatchObject({ seq: 5, body: "m5" });
  });

  it("the last message shows an edit or delete that comes in the same delivery, and a late older message never replaces it", async () => {
    const edited: RoomEntry = {
      type: "edited",
      seq: 3,
      message: { ...message(2, "m2 edited"), editedAt: new Date().toISOString() },
    };
    const deleted: RoomEntry = {
      type: "deleted",
      seq: 5,
      message: { ...message(4, ""), deletedAt: new Date().toISOString() },
    };
    const rows = await withStore((store) => {
      applyDelivery(store, ME, delivery([sent(2), edited]), 1);
      const afterEdit = store.room(ROOM)!;
      applyDelivery(store, ME, delivery([sent(4), deleted]), 2);
      const afterDelete = store.room(ROOM)!;
      // A message older than the stored last one, arriving late, changes the count only.
      applyDelivery(store, ME, delivery([sent(1)]), 3);
      return { afterEdit, afterDelete, final: store.room(ROOM)! };
    });
    expect(JSON.parse(rows.afterEdit.last_message!)).toMatchObject({ seq: 2, body: "m2 edited" });
    expect(rows.afterEdit.last_seq).toBe(3);
    expect(JSON.parse(rows.afterDelete.last_message!)).toMatchObject({ seq: 4, body: "" });
    expect(rows.afterDelete.unread).toBe(1); // 2; 4 was deleted
    expect(JSON.parse(rows.final.last_message!)).toMatchObject({ seq: 4 });
    expect(rows.final.unread).toBe(2);
  });

  it("prunes the seen window in steps, and a seq below the window still counts as applied", async () => {
    const result = await withStore((store, sql) => {
      const seen = () => sql.exec("SELECT COUNT(*) AS n FROM seen WHERE room_id = ?", ROOM).one().n as number;
      for (let start = 1; start < 2_500; start += 50) {
        applyDelivery(store, ME, delivery(Array.from({ length: 50 }, (_, i) => sent(start + i))), start);
      }
      const row = store.room(ROOM)!;
      const old = applyDelivery(store, ME, delivery([sent(10)]), 9_999);
      return { floor: row.seen_floor, kept: seen(), unread: row.unread, old, unreadAfter: store.room(ROOM)!.unread };
    });
    // 2,500 seqs applied; the floor trails the newest by 2,000 and moved in steps of >= 100.
    expect(result.floor).toBeGreaterThanOrEqual(400);
    expect(result.floor).toBeLessThanOrEqual(500);
    expect(result.kept).toBe(2_500 - result.floor);
    expect(result.unread).toBe(2_500);
    expect(result.old).toMatchObject({ entries: [], duplicates: 1 });
    expect(result.unreadAfter).toBe(2_500);
  });
});

// The room's archive and retention: messages reach D1 through the EVENTS queue, the alarm
// trims only what D1 holds, history pages across the room's window and the archive, and a
// resume from before the window gets `resync`.
import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runDurableObjectAlarm,
  runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Room } from "../../durable/room";
import worker from "../../src/index";
import { call, json } from "../support/api";
import { archivedCount, channelWith, postMessage, roomObject, roomSocket, type TestMessage } from "../support/rooms";

const DAY = 86_400_000;

/** Moves the created time of messages with seq <= `through` back by `days`. */
function backdate(roomId: string, through: number, days: number) {
  return runInDurableObject(roomObject(roomId), (_: Room, state) => {
    state.storage.sql.exec("UPDATE messages SET created_at = created_at - ? WHERE seq <= ?", days * DAY, through);
  });
}

function roomState(roomId: string) {
  return runInDurableObject(roomObject(roomId), (_: Room, state) => ({
    kept: state.storage.sql
      .exec<{ seq: number }>("SELECT seq FROM messages ORDER BY seq")
      .toArray()
      .map((r) => r.seq),
    ...state.storage.sql
      .exec<{ floor_seq: number; archived_seq: number; last_seq: number }>(
        // The stored last_seq is a lower bound (the log's newest row is the truth: see readState).
        "SELECT floor_seq, archived_seq, max(last_seq, floor_seq, coalesce((SELECT MAX(seq) FROM messages), 0)) AS last_seq FROM room_state",
      )
      .one(),
  }));
}

async function runQueue(body: unknown, id = crypto.randomUUID()) {
  const batch = createMessageBatch("plaza-events", [{ id, timestamp: new Date(), attempts: 1, body }]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

describe("room archive", () => {
  it("archives every message to D1 through the queue, and the consumer is idempotent", async () => {
    const { room, users } = await channelWith(1);
    // More than one archive batch (100) and more rows than one D1 insert may bind (12).
    for (let i = 0; i < 130; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) => postMessage(room.id, users[0]!, `a${i + j}`, `archived ${i + j}`)),
      );
    }
    await runDurableObjectAlarm(roomObject(room.id));
    expect(await archivedCount(room.id, 130)).toBe(130);
    expect((await roomState(room.id)).archived_seq).toBe(130);
    // Redelivering an archive batch inserts nothing new.
    const history = await json<{ items: TestMessage[] }>(
      await call(`/v1/rooms/${room.id}/messages?after=0&limit=20`, { token: users[0]!.accessToken }),
    );
    // The D1 row carries every field of the room's message.
    const row = await env.DB.prepare("SELECT * FROM messages WHERE room_id = ? AND seq = 7")
      .bind(room.id)
      .first<Record<string, unknown>>();
    const seventh = history.items.find((m) => m.seq === 7)!;
    expect(row).toMatchObject({
      id: seventh.id,
      client_msg_id: seventh.clientMsgId,
      sender_id: users[0]!.user.id,
      sender_username: users[0]!.user.username,
      body: seventh.body,
      created_at: Date.parse(seventh.createdAt),
      kind: "message",
      ref_seq: null,
      edited_at: null,
      deleted_at: null,
      revision: 0,
    });
    const rows = history.items.map((m) => ({ ...m, kind: "message", revision: 0 }));
    const result = await runQueue({ type: "room.archive", roomId: room.id, messages: rows });
    expect(result.explicitAcks).toHaveLength(1);
    expect(await archivedCount(room.id, 131, 500)).toBe(130);
  });

  it("dead-letters a malformed room event instead of retrying it", async () => {
    const result = await runQueue({ type: "room.archive", roomId: "r", messages: [{ nope: true }] }, "bad-room-event");
    expect(result.explicitAcks).toEqual(["bad-room-event"]);
    expect(result.retryMessages).toEqual([]);
  });

  it("trims messages past retention only once D1 holds them, and pages across the window boundary", async () => {
    const { room, users } = await channelWith(1);
    const owner = users[0]!;
    for (let i = 1; i <= 6; i++) await postMessage(room.id, owner, `t${i}`, `message ${i}`);
    await backdate(room.id, 4, 8);
    // The first alarm hands the batch to the queue; D1 does not hold it yet, so nothing is trimmed.
    await runDurableObjectAlarm(roomObject(room.id));
    expect((await roomState(room.id)).floor_seq).toBe(0);
    expect(await archivedCount(room.id, 6)).toBe(6);
    await runDurableObjectAlarm(roomObject(room.id));
    const state = await roomState(room.id);
    expect(state).toMatchObject({ floor_seq: 4, last_seq: 6, kept: [5, 6] });

    const get = async (query: string) =>
      json<{ items: TestMessage[]; nextCursor: string | null }>(
        await call(`/v1/rooms/${room.id}/messages${query}`, { token: owner.accessToken }),
      );
    const f1 = await get("?after=0&limit=3");
    expect(f1.items.map((m) => m.seq)).toEqual([1, 2, 3]);
    const f2 = await get(`?limit=3&cursor=${f1.nextCursor}`);
    expect(f2.items.map((m) => m.seq)).toEqual([4, 5, 6]);
    expect(f2.nextCursor).toBeNull();
    const b1 = await get("?limit=4");
    expect(b1.items.map((m) => m.seq)).toEqual([3, 4, 5, 6]);
    const b2 = await get(`?limit=4&cursor=${b1.nextCursor}`);
    expect(b2.items.map((m) => m.body)).toEqual(["message 1", "message 2"]);
    expect(b2.nextCursor).toBeNull();
    expect((await get("?before=5&limit=10")).items.map((m) => m.seq)).toEqual([1, 2, 3, 4]);

    // A new message still gets the next seq (not MAX(seq) + 1 of what is left).
    expect((await postMessage(room.id, owner, "t7", "after trim")).seq).toBe(7);
    const trimmed = await roomSocket(room.id, owner, "?since=2");
    expect(await trimmed.next()).toEqual({ type: "resync", reason: "trimmed" });
    const resumed = await roomSocket(room.id, owner, "?since=4");
    expect([(await resumed.next()).message, (await resumed.next()).message].map((m) => (m as TestMessage).seq)).toEqual(
      [5, 6],
    );
    trimmed.close();
    resumed.close();
  });

  it("never hands out a seq twice when a trim emptied the log and the object restarted", async () => {
    const { room, users } = await channelWith(1);
    const owner = users[0]!;
    for (let i = 1; i <= 3; i++) await postMessage(room.id, owner, `e${i}`, `message ${i}`);
    await backdate(room.id, 3, 8);
    await runDurableObjectAlarm(roomObject(room.id));
    expect(await archivedCount(room.id, 3)).toBe(3);
    await runDurableObjectAlarm(roomObject(room.id));
    expect(await roomState(room.id)).toMatchObject({ floor_seq: 3, kept: [] });
    // A fresh instance reads its state from storage alone.
    await runInDurableObject(roomObject(room.id), (_: Room, state) => state.abort("restart")).catch(() => undefined);
    expect((await postMessage(room.id, owner, "e4", "after an empty log")).seq).toBe(4);
  });

  it("archives the range again when D1 lost rows, instead of trimming them", async () => {
    const { room, users } = await channelWith(1);
    for (let i = 1; i <= 3; i++) await postMessage(room.id, users[0]!, `l${i}`, `lost ${i}`);
    await runDurableObjectAlarm(roomObject(room.id));
    expect(await archivedCount(room.id, 3)).toBe(3);
    await env.DB.prepare("DELETE FROM messages WHERE room_id = ? AND seq = 2").bind(room.id).run();
    await backdate(room.id, 3, 8);
    await runDurableObjectAlarm(roomObject(room.id));
    expect(await roomState(room.id)).toMatchObject({ floor_seq: 0, archived_seq: 0, kept: [1, 2, 3] });
    await runDurableObjectAlarm(roomObject(room.id)); // re-archives
    expect(await archivedCount(room.id, 3)).toBe(3);
    await runDurableObjectAlarm(roomObject(room.id)); // now trims
    expect(await roomState(room.id)).toMatchObject({ floor_seq: 3, kept: [] });
  });
});

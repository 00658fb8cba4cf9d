// Fan-out: small rooms call their members' inboxes directly; big rooms (at or above
// IM_FANOUT_QUEUE_THRESHOLD, or forced) go through the FANOUT queue. Either way every member's
// inbox applies every entry exactly once, redeliveries included.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { registerUser, type TestUser } from "../support/api";
import { eventually, inboxObject, myRoom } from "../support/im";
import { createRoom, postMessage, roomObject, type TestMessage } from "../support/rooms";

async function groupOf(size: number): Promise<{ room: { id: string }; users: TestUser[] }> {
  const users = await Promise.all(Array.from({ length: size }, () => registerUser("fo")));
  const room = await createRoom(users[0]!, { kind: "group", memberIds: users.slice(1).map((u) => u.user.id) });
  return { room, users };
}

/** Waits until every user's inbox applied (room, seq); returns their counters. */
async function appliedEverywhere(users: TestUser[], roomId: string, seq: number) {
  return eventually(async () => {
    const stats = await Promise.all(users.map((u) => inboxObject(u.user.id).stats(roomId, seq)));
    return stats.every((s) => s.appliedAt !== null) ? stats : undefined;
  }, 15_000);
}

describe("fan-out", () => {
  it("a small group takes the direct path: one inbox RPC per member per message", async () => {
    const { room, users } = await groupOf(4);
    const message = await postMessage(room.id, users[0]!, "d1", "direct path");
    const stats = await appliedEverywhere(users, room.id, message.seq);
    expect(stats.map((s) => s.applied)).toEqual([1, 1, 1, 1]);
    expect(await roomObject(room.id).fanoutStats()).toMatchObject({
      lastPath: "direct",
      queueMessages: 0,
      fanoutSeq: 1,
      lastSeq: 1,
    });
  });

  it("a burst shares rounds: a busy room starts one at most every IM_FANOUT_INTERVAL_MS", async () => {
    const { room, users } = await groupOf(3);
    const started = Date.now();
    const sent = await Promise.all(
      Array.from({ length: 12 }, (_, i) => postMessage(room.id, users[i % 3]!, `b${i}`, `burst ${i}`)),
    );
    const last = Math.max(...sent.map((m) => m.seq));
    const stats = await appliedEverywhere(users, room.id, last);
    expect(stats.map((s) => s.applied)).toEqual([12, 12, 12]);
    const fanout = await roomObject(room.id).fanoutStats();
    expect(fanout).toMatchObject({ lastPath: "direct", fanoutSeq: 12 });
    // The first message goes at once; the rest wait for the interval (1 s) and travel together.
    const elapsed = Date.now() - started;
    expect(fanout.rounds).toBeLessThanOrEqual(Math.floor(elapsed / 1000) + 2);
    expect(fanout.rounds).toBeLessThan(12);
    expect(fanout.directRpcs).toBe(3 * fanout.rounds);
  });

  it("a backlog bigger than one round (200 entries) drains in full rounds and reaches every inbox", async () => {
    const { room, users } = await groupOf(2);
    for (let i = 0; i < 250; i += 25) {
      await Promise.all(
        Array.from({ length: 25 }, (_, j) =>
          postMessage(room.id, users[(i + j) % 2]!, `k${i + j}`, `backlog ${i + j}`),
        ),
      );
    }
    const stats = await appliedEverywhere(users, room.id, 250);
    expect(stats.map((s) => s.applied)).toEqual([250, 250]);
    const fanout = await roomObject(room.id).fanoutStats();
    expect(fanout).toMatchObject({ fanoutSeq: 250, lastSeq: 250 });
    expect(fanout.rounds).toBeGreaterThanOrEqual(2); // at most 200 entries per round
    expect((await myRoom(users[1]!, room.id))!.unread).toBe(125);
  });

  it("a big group goes through the FANOUT queue and each member's inbox applies each message once", async () => {
    const { room, users } = await groupOf(30);
    await roomObject(room.id).setFanoutPath("queue");
    const sent: TestMessage[] = [];
    for (let i = 1; i <= 3; i++) sent.push(await postMessage(room.id, users[i % 3]!, `q${i}`, `queued ${i}`));
    const stats = await appliedEverywhere(users, room.id, 3);
    const fanout = await roomObject(room.id).fanoutStats();
    expect(fanout).toMatchObject({ lastPath: "queue", fanoutSeq: 3, directRpcs: 0 });
    // 30 members in chunks of IM_FANOUT_CHUNK (25): two queue messages per round.
    expect(fanout.queueMessages).toBe(2 * fanout.rounds);
    expect(stats.every((s) => s.applied === 3)).toBe(true);
    // Exact unread for a member who sent none of them: 3; for the senders, the others' messages.
    expect((await myRoom(users[5]!, room.id))!.unread).toBe(3);
    expect((await myRoom(users[1]!, room.id))!.unread).toBe(2);
  });

  it("a redelivered FANOUT message changes nothing: applied once, unread unchanged", async () => {
    const { room, users } = await groupOf(3);
    const message = await postMessage(room.id, users[0]!, "r1", "once");
    await appliedEverywhere(users, room.id, message.seq);
    const job = {
      type: "im.fanout",
      room: { id: room.id, kind: "group", memberCount: 3 },
      entries: [{ type: "message", message }],
      members: users.map((u) => ({ userId: u.user.id, watching: [] })),
    };
    for (let attempt = 1; attempt <= 2; attempt++) {
      const batch = createMessageBatch("plaza-fanout", [
        { id: `again-${attempt}`, timestamp: new Date(), attempts: attempt, body: job },
      ]);
      const ctx = createExecutionContext();
      await worker.queue(batch, env, ctx);
      expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual([`again-${attempt}`]);
    }
    const stats = await Promise.all(users.map((u) => inboxObject(u.user.id).stats()));
    expect(stats.map((s) => s.applied)).toEqual([1, 1, 1]);
    expect(stats.map((s) => s.duplicates)).toEqual([2, 2, 2]);
    expect((await myRoom(users[1]!, room.id))!.unread).toBe(1);
  });

  it("dead-letters a malformed FANOUT message instead of retrying it", async () => {
    const batch = createMessageBatch("plaza-fanout", [
      { id: "bad", timestamp: new Date(), attempts: 1, body: { type: "im.fanout", room: {} } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect(await getQueueResult(batch, ctx)).toMatchObject({ explicitAcks: ["bad"], retryMessages: [] });
  });
});

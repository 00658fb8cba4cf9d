// Fan-out by read state (docs/decisions/0071): a room sends its rounds only to the inboxes that
// listen (a device connected, a room list read within IM_INBOX_LINGER_MS, push subscriptions).
// Few listeners are called directly; IM_FANOUT_QUEUE_THRESHOLD or more (or forced) go through
// the FANOUT queue. Members nobody listens for cost nothing per message, and their room list
// is exact when they come back.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { registerUser, type TestUser } from "../support/api";
import { eventually, inboxObject, inboxSocket, myRoom } from "../support/im";
import { createRoom, postMessage, roomObject } from "../support/rooms";
import type { TestSocket } from "../support/sockets";

async function groupOf(size: number): Promise<{ room: { id: string }; users: TestUser[] }> {
  const users = await Promise.all(Array.from({ length: size }, () => registerUser("fo")));
  const room = await createRoom(users[0]!, { kind: "group", memberIds: users.slice(1).map((u) => u.user.id) });
  return { room, users };
}

/** Waits until each user's inbox has applied `count` entries; returns their counters. */
async function appliedEverywhere(users: TestUser[], count: number) {
  return eventually(async () => {
    const stats = await Promise.all(users.map((u) => inboxObject(u.user.id).stats()));
    return stats.every((s) => s.applied >= count) ? stats : undefined;
  }, 15_000);
}

async function listen(users: TestUser[]): Promise<TestSocket[]> {
  return Promise.all(users.map((u) => inboxSocket(u.accessToken)));
}

describe("fan-out to listening inboxes", () => {
  it("nobody listening: no inbox call, nothing written per member; the room list is exact on return", async () => {
    const { room, users } = await groupOf(5);
    for (let i = 0; i < 6; i++) await postMessage(room.id, users[i % 2]!, `n${i}`, `nobody ${i}`);
    const fanout = await eventually(async () => {
      const f = await roomObject(room.id).fanoutStats();
      return f.fanoutSeq === 6 ? f : undefined;
    });
    expect(fanout).toMatchObject({ directRpcs: 0, queueMessages: 0, rounds: 0 });
    expect(fanout.skipped).toBeGreaterThan(0);
    const idle = await inboxObject(users[4]!.user.id).stats();
    expect(idle).toMatchObject({ deliveries: 0, applied: 0 });
    // Coming back: the inbox asks the room once, and the count is exact (six from others; for
    // the senders, the other's three after their own last message moved their cursor).
    expect(await myRoom(users[4]!, room.id)).toMatchObject({ unread: 6, lastSeq: 6, lastMessage: { seq: 6 } });
    expect(await myRoom(users[0]!, room.id)).toMatchObject({ unread: 1, readSeq: 5 });
    expect((await inboxObject(users[4]!.user.id).stats()).roomCalls).toBe(1);
  });

  it("only listening members get rounds: their devices see each message live, once", async () => {
    const { room, users } = await groupOf(4);
    const sockets = await listen(users.slice(0, 2));
    await postMessage(room.id, users[2]!, "l1", "live");
    expect(await sockets[1]!.next((f) => f.type === "message")).toMatchObject({ message: { seq: 1, body: "live" } });
    expect(await sockets[1]!.next((f) => f.type === "unread" && f.unread === 1)).toMatchObject({ roomId: room.id });
    const stats = await appliedEverywhere(users.slice(0, 2), 1);
    expect(stats.map((s) => s.applied)).toEqual([1, 1]);
    const fanout = await roomObject(room.id).fanoutStats();
    expect(fanout).toMatchObject({ lastPath: "direct", lastListeners: 2, fanoutSeq: 1 });
    expect(fanout.directRpcs).toBe(2 * fanout.rounds);
    expect(await inboxObject(users[3]!.user.id).stats()).toMatchObject({ deliveries: 0 });
    for (const s of sockets) s.close();
  });

  it("a burst shares rounds: a busy room starts one at most every IM_FANOUT_INTERVAL_MS", async () => {
    const { room, users } = await groupOf(3);
    const sockets = await listen(users);
    const started = Date.now();
    await Promise.all(Array.from({ length: 12 }, (_, i) => postMessage(room.id, users[i % 3]!, `b${i}`, `burst ${i}`)));
    const stats = await appliedEverywhere(users, 12);
    expect(stats.map((s) => s.applied)).toEqual([12, 12, 12]);
    const fanout = await roomObject(room.id).fanoutStats();
    const elapsed = Date.now() - started;
    expect(fanout.rounds).toBeLessThanOrEqual(Math.floor(elapsed / 1000) + 2);
    expect(fanout.rounds).toBeLessThan(12);
    expect(fanout.directRpcs).toBe(3 * fanout.rounds);
    for (const s of sockets) s.close();
  });

  it("a backlog bigger than one round (200 entries) drains in full rounds, exact for the listener", async () => {
    const { room, users } = await groupOf(3);
    const sockets = await listen([users[1]!]);
    // Two senders (each within their own send budget), one listener.
    for (let i = 0; i < 250; i += 25) {
      await Promise.all(
        Array.from({ length: 25 }, (_, j) =>
          postMessage(room.id, users[(i + j) % 2 === 0 ? 0 : 2]!, `k${i + j}`, `backlog ${i + j}`),
        ),
      );
    }
    await appliedEverywhere([users[1]!], 250);
    const fanout = await roomObject(room.id).fanoutStats();
    expect(fanout).toMatchObject({ fanoutSeq: 250, lastSeq: 250 });
    expect(fanout.rounds).toBeGreaterThanOrEqual(2);
    expect((await myRoom(users[1]!, room.id))!.unread).toBe(250);
    for (const s of sockets) s.close();
  });

  it("many listeners go through the FANOUT queue; each inbox applies each message once", async () => {
    const { room, users } = await groupOf(27);
    await roomObject(room.id).setFanoutPath("queue");
    const sockets = await listen(users.slice(1));
    for (let i = 1; i <= 3; i++) await postMessage(room.id, users[0]!, `q${i}`, `queued ${i}`);
    const stats = await appliedEverywhere(users.slice(1), 3);
    const fanout = await roomObject(room.id).fanoutStats();
    expect(fanout).toMatchObject({ lastPath: "queue", fanoutSeq: 3, directRpcs: 0, lastListeners: 26 });
    // 26 listeners in chunks of IM_FANOUT_CHUNK (25): two queue messages per round.
    expect(fanout.queueMessages).toBe(2 * fanout.rounds);
    expect(stats.every((s) => s.applied === 3)).toBe(true);
    expect((await myRoom(users[5]!, room.id))!.unread).toBe(3);
    for (const s of sockets) s.close();
  });

  it("a redelivered FANOUT message changes nothing: counted once, unread unchanged", async () => {
    const { room, users } = await groupOf(3);
    const sockets = await listen(users);
    const message = await postMessage(room.id, users[0]!, "r1", "once");
    await appliedEverywhere(users, 1);
    const job = {
      type: "im.fanout",
      room: { id: room.id, kind: "group", memberCount: 3 },
      fromSeq: 0,
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
    for (const s of sockets) s.close();
  });

  it("an inbox whose devices left stops listening: the next round tells the room, which then skips it", async () => {
    const { room, users } = await groupOf(2);
    const [socket] = await listen([users[1]!]);
    await postMessage(room.id, users[0]!, "s1", "heard");
    await appliedEverywhere([users[1]!], 1);
    socket!.close();
    // Past IM_INBOX_LINGER_MS (1.5 s in tests) the inbox answers that it stopped listening.
    await new Promise((r) => setTimeout(r, 1_800));
    await postMessage(room.id, users[0]!, "s2", "unheard");
    const stopped = await eventually(async () => {
      const f = await roomObject(room.id).fanoutStats();
      return f.fanoutSeq === 2 && f.directRpcs === 2 ? f : undefined;
    });
    await postMessage(room.id, users[0]!, "s3", "skipped");
    const after = await eventually(async () => {
      const f = await roomObject(room.id).fanoutStats();
      return f.fanoutSeq === 3 ? f : undefined;
    });
    expect(after.directRpcs).toBe(stopped.directRpcs);
    expect(after.skipped).toBeGreaterThan(0);
    expect(await myRoom(users[1]!, room.id)).toMatchObject({ unread: 3, lastSeq: 3 });
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

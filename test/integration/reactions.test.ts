// Reactions (docs/decisions/0084): PUT/DELETE one member's emoji on one message, idempotent;
// history and resume carry the current `reactions` with `me` relative to the reader; sockets
// get `reaction` frames; a reaction takes no seq, makes nothing unread and writes no row per
// member; a deleted message drops its reactions; who may react.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Room } from "../../durable/room";
import type { Message, ReactionFrame } from "../../src/protocol/protocol";
import { applyReaction } from "../../web/sdk/reactions";
import { call, expectProblem, json, registerUser, type TestUser } from "../support/api";
import { directRoom, eventually, myRoom } from "../support/im";
import {
  archivedCount,
  channelWith,
  createRoom,
  postMessage,
  roomObject,
  roomSocket,
  type TestMessage,
} from "../support/rooms";

interface Reacted extends TestMessage {
  reactions?: { emoji: string; count: number; me: boolean }[];
}

const reactionPath = (roomId: string, seq: number, emoji: string) =>
  `/v1/rooms/${roomId}/messages/${seq}/reactions/${encodeURIComponent(emoji)}`;
const react = (user: TestUser | undefined, roomId: string, seq: number, emoji: string, method = "PUT") =>
  call(reactionPath(roomId, seq, emoji), { method, ...(user ? { token: user.accessToken } : {}) });

async function expect204(res: Promise<Response>): Promise<void> {
  const r = await res;
  expect(r.status, await r.clone().text()).toBe(204);
}

async function history(user: TestUser, roomId: string): Promise<Reacted[]> {
  const res = await call(`/v1/rooms/${roomId}/messages`, { token: user.accessToken });
  expect(res.status).toBe(200);
  return (await json<{ items: Reacted[] }>(res)).items;
}

describe("reactions", () => {
  it("adds and removes idempotently; history shows counts with `me` for the reader", async () => {
    const { room, users } = await channelWith(3);
    const [alice, bob, carol] = users as [TestUser, TestUser, TestUser];
    const msg = await postMessage(room.id, alice, "r1", "hello");
    await postMessage(room.id, alice, "r2", "no reactions here");

    await expect204(react(bob, room.id, msg.seq, "👍"));
    await expect204(react(bob, room.id, msg.seq, "👍")); // again: nothing changes
    await expect204(react(carol, room.id, msg.seq, "👍"));
    await expect204(react(carol, room.id, msg.seq, ":tada:"));

    const [first, second] = await history(bob, room.id);
    expect(first!.reactions).toEqual([
      { emoji: "👍", count: 2, me: true },
      { emoji: ":tada:", count: 1, me: false },
    ]);
    expect(second!.reactions).toBeUndefined();
    expect((await history(alice, room.id))[0]!.reactions).toEqual([
      { emoji: "👍", count: 2, me: false },
      { emoji: ":tada:", count: 1, me: false },
    ]);

    await expect204(react(bob, room.id, msg.seq, "👍", "DELETE"));
    await expect204(react(bob, room.id, msg.seq, "👍", "DELETE"));
    await expect204(react(alice, room.id, msg.seq, "🚀", "DELETE")); // never reacted: still 204
    await expect204(react(carol, room.id, msg.seq, ":tada:", "DELETE"));
    expect((await history(bob, room.id))[0]!.reactions).toEqual([{ emoji: "👍", count: 1, me: false }]);
    await expect204(react(carol, room.id, msg.seq, "👍", "DELETE"));
    expect((await history(bob, room.id))[0]!.reactions).toBeUndefined();
  });

  it("sends `reaction` frames to the room's sockets, only when something changed", async () => {
    const { room, users } = await channelWith(2);
    const [alice, bob] = users as [TestUser, TestUser];
    const msg = await postMessage(room.id, alice, "f1", "react to me");
    const watcher = await roomSocket(room.id, alice);
    await expect204(react(bob, room.id, msg.seq, "❤️"));
    expect(await watcher.next((f) => f.type === "reaction")).toEqual({
      type: "reaction",
      seq: msg.seq,
      emoji: "❤️",
      count: 1,
      userId: bob.user.id,
      op: "add",
    });
    await expect204(react(bob, room.id, msg.seq, "❤️")); // no change: no frame
    await expect204(react(bob, room.id, msg.seq, "❤️", "DELETE"));
    expect(await watcher.next((f) => f.type === "reaction")).toEqual({
      type: "reaction",
      seq: msg.seq,
      emoji: "❤️",
      count: 0,
      userId: bob.user.id,
      op: "remove",
    });
    watcher.close();
  });

  it("a `react` socket frame does what the HTTP routes do; refusals are error frames", async () => {
    const { room, users } = await channelWith(2);
    const [alice, bob] = users as [TestUser, TestUser];
    const msg = await postMessage(room.id, alice, "w1", "over the socket");
    const [aliceSocket, bobSocket] = await Promise.all([roomSocket(room.id, alice), roomSocket(room.id, bob)]);
    bobSocket.send({ type: "react", seq: msg.seq, emoji: ":rocket:", op: "add" });
    expect(await aliceSocket.next((f) => f.type === "reaction")).toEqual({
      type: "reaction",
      seq: msg.seq,
      emoji: ":rocket:",
      count: 1,
      userId: bob.user.id,
      op: "add",
    });
    bobSocket.send({ type: "react", seq: msg.seq, emoji: "nope", op: "add" });
    expect(await bobSocket.next((f) => f.type === "error")).toMatchObject({ code: "bad_emoji" });
    bobSocket.send({ type: "react", seq: 999, emoji: "👍", op: "add" });
    expect(await bobSocket.next((f) => f.type === "error")).toMatchObject({ code: "message_not_found" });
    bobSocket.send({ type: "react", seq: msg.seq, emoji: ":rocket:", op: "remove" });
    expect(await aliceSocket.next((f) => f.type === "reaction")).toMatchObject({ count: 0, op: "remove" });
    expect((await history(alice, room.id))[0]!.reactions).toBeUndefined();
    aliceSocket.close();
    bobSocket.close();
  });

  it("concurrent toggles by many members: a socket applying the frames converges on history's exact counts", async () => {
    const { room, users } = await channelWith(8);
    const [alice] = users as [TestUser];
    const msg = await postMessage(room.id, alice, "c1", "storm");
    const watcher = await roomSocket(room.id, alice);
    const emoji = ["👍", "❤️", "🎉"];
    const toggles = users.map(async (user, i) => {
      for (let t = 0; t < 8; t++) {
        const e = emoji[(i + t) % emoji.length]!;
        await expect204(react(user, room.id, msg.seq, e, (i + t) % 2 === 0 ? "PUT" : "DELETE"));
        await expect204(react(user, room.id, msg.seq, e, "PUT"));
      }
    });
    await Promise.all(toggles);
    const final = (await history(alice, room.id))[0]!;
    expect(final.reactions?.map((r) => r.count)).toEqual([8, 8, 8]);
    // Every change sent one frame with the new total: applied in order, they end at the same counts.
    const applied = () =>
      watcher.received
        .filter((f) => f.type === "reaction")
        .reduce<Message>((m, f) => applyReaction(m, f as unknown as ReactionFrame, alice.user.id), msg);
    const converged = await eventually(async () => {
      const copy = applied();
      return copy.reactions?.length === 3 && copy.reactions.every((r) => r.count === 8) ? copy : undefined;
    }, 8_000);
    // Same counts and `me`; the order may differ (an emoji that dropped to 0 comes back last on the client).
    const byEmoji = (list: Message["reactions"]) => [...(list ?? [])].sort((x, y) => x.emoji.localeCompare(y.emoji));
    expect(byEmoji(converged.reactions)).toEqual(byEmoji(final.reactions));
    watcher.close();
  });

  it("a resumed socket gets the current reactions of replayed messages, and they take no seq", async () => {
    const { room, users } = await channelWith(2);
    const [alice, bob] = users as [TestUser, TestUser];
    const msg = await postMessage(room.id, alice, "s1", "one");
    await postMessage(room.id, alice, "s2", "two");
    await expect204(react(bob, room.id, msg.seq, "🎉"));
    await expect204(react(alice, room.id, msg.seq, "🎉"));
    // An edit after the reactions: its replayed entry carries them too.
    const edit = await call(`/v1/rooms/${room.id}/messages/${msg.seq}`, {
      method: "PATCH",
      token: alice.accessToken,
      body: { body: "one, edited" },
    });
    expect(await json<Reacted>(edit)).toMatchObject({ reactions: [{ emoji: "🎉", count: 2, me: true }] });

    const resumed = await roomSocket(room.id, bob, "?since=0");
    expect(resumed.welcome.seq).toBe(3); // two messages and one edit: no seq for reactions
    const replayed = await resumed.next((f) => f.type === "message");
    expect(replayed).toMatchObject({ message: { seq: 1, reactions: [{ emoji: "🎉", count: 2, me: true }] } });
    const plain = await resumed.next((f) => f.type === "message");
    expect((plain.message as Reacted).reactions).toBeUndefined();
    expect(await resumed.next((f) => f.type === "edited")).toMatchObject({
      seq: 3,
      message: { seq: 1, body: "one, edited", reactions: [{ emoji: "🎉", count: 2, me: true }] },
    });
    resumed.close();
  });

  it("a live edit of a message with reactions reaches each socket with its own `me`", async () => {
    const { room, users } = await channelWith(2);
    const [alice, bob] = users as [TestUser, TestUser];
    const msg = await postMessage(room.id, alice, "e1", "before");
    await expect204(react(bob, room.id, msg.seq, "👀"));
    const [aliceSocket, bobSocket] = await Promise.all([roomSocket(room.id, alice), roomSocket(room.id, bob)]);
    aliceSocket.send({ type: "edit", seq: msg.seq, body: "after" });
    const [seenByAlice, seenByBob] = await Promise.all([
      aliceSocket.next((f) => f.type === "edited"),
      bobSocket.next((f) => f.type === "edited"),
    ]);
    expect(seenByAlice).toMatchObject({
      message: { body: "after", reactions: [{ emoji: "👀", count: 1, me: false }] },
    });
    expect(seenByBob).toMatchObject({ message: { body: "after", reactions: [{ emoji: "👀", count: 1, me: true }] } });
    aliceSocket.close();
    bobSocket.close();
  });

  it("refuses a 21st distinct emoji with 422 and bad emoji with 400; repeats of a known one still count", async () => {
    const { room, users } = await channelWith(2);
    const [alice, bob] = users as [TestUser, TestUser];
    const msg = await postMessage(room.id, alice, "l1", "many");
    const twenty = [..."😀😃😄😁😆😅😂🤣😊😇🙂🙃😉😌😍🥰😘😗😙😚"];
    expect(twenty).toHaveLength(20);
    for (const emoji of twenty) await expect204(react(alice, room.id, msg.seq, emoji));
    await expectProblem(await react(alice, room.id, msg.seq, "😋"), 422, "too_many_reactions");
    await expectProblem(await react(bob, room.id, msg.seq, ":rocket:"), 422, "too_many_reactions");
    await expect204(react(bob, room.id, msg.seq, "😀")); // already on the message
    const [shown] = await history(bob, room.id);
    expect(shown!.reactions).toHaveLength(20);
    expect(shown!.reactions![0]).toEqual({ emoji: "😀", count: 2, me: true });

    for (const bad of ["a", "👍👍", "ab", ":nope:", "👍 ", "1"])
      await expectProblem(await react(alice, room.id, msg.seq, bad), 400, "validation_failed");
    // Back to one: the emoji stays among the twenty.
    await expect204(react(bob, room.id, msg.seq, "😀", "DELETE"));
    expect((await history(bob, room.id))[0]!.reactions![0]).toEqual({ emoji: "😀", count: 1, me: false });
  });

  it("accepts one-grapheme sequences: flags, skin tones, ZWJ families, keycaps", async () => {
    const { room, users } = await channelWith(1);
    const [alice] = users as [TestUser];
    const msg = await postMessage(room.id, alice, "g1", "graphemes");
    for (const emoji of ["🇫🇷", "👍🏽", "👩‍👩‍👧‍👦", "1️⃣", "❤️", ":100:"])
      await expect204(react(alice, room.id, msg.seq, emoji));
    expect((await history(alice, room.id))[0]!.reactions!.map((r) => r.emoji)).toEqual([
      "🇫🇷",
      "👍🏽",
      "👩‍👩‍👧‍👦",
      "1️⃣",
      "❤️",
      ":100:",
    ]);
  });

  it("a missing or deleted message is 404 message_not_found; deleting a message drops its reactions", async () => {
    const { room, users } = await channelWith(2);
    const [alice, bob] = users as [TestUser, TestUser];
    const msg = await postMessage(room.id, alice, "d1", "soon gone");
    await expectProblem(await react(bob, room.id, 999, "👍"), 404, "message_not_found");
    await expect204(react(bob, room.id, msg.seq, "👍"));
    await expect204(react(alice, room.id, msg.seq, "👀"));
    const del = await call(`/v1/rooms/${room.id}/messages/${msg.seq}`, { method: "DELETE", token: alice.accessToken });
    expect(del.status).toBe(204);
    await expectProblem(await react(bob, room.id, msg.seq, "👍"), 404, "message_not_found");
    await expectProblem(await react(bob, room.id, msg.seq, "👍", "DELETE"), 404, "message_not_found");
    // The edit entry's seq (2) is not a message either.
    await expectProblem(await react(bob, room.id, 2, "👍"), 404, "message_not_found");
    expect((await history(bob, room.id))[0]!.reactions).toBeUndefined();
    const rows = await runInDurableObject(
      roomObject(room.id),
      async (_instance: Room, ctx) =>
        ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM reactions").one().n,
    );
    expect(rows).toBe(0);
  });

  it("trimming past retention drops the trimmed messages' reactions; the archive shows none", async () => {
    const { room, users } = await channelWith(1);
    const [alice] = users as [TestUser];
    for (let i = 1; i <= 3; i++) await postMessage(room.id, alice, `t${i}`, `message ${i}`);
    await expect204(react(alice, room.id, 1, "🔥"));
    await expect204(react(alice, room.id, 3, "🔥"));
    await runInDurableObject(roomObject(room.id), async (_instance: Room, ctx) => {
      ctx.storage.sql.exec("UPDATE messages SET created_at = created_at - ? WHERE seq <= 1", 8 * 86_400_000);
    });
    await runDurableObjectAlarm(roomObject(room.id)); // hands the messages to the archive
    expect(await archivedCount(room.id, 3)).toBe(3);
    await runDurableObjectAlarm(roomObject(room.id)); // trims seq 1
    const kept = await runInDurableObject(roomObject(room.id), async (_instance: Room, ctx) =>
      ctx.storage.sql
        .exec<{ seq: number }>("SELECT seq FROM reactions ORDER BY seq")
        .toArray()
        .map((r) => r.seq),
    );
    expect(kept).toEqual([3]);
    const items = await history(alice, room.id);
    expect(items.map((m) => [m.seq, m.reactions?.length ?? 0])).toEqual([
      [1, 0],
      [2, 0],
      [3, 1],
    ]);
    await expectProblem(await react(alice, room.id, 1, "🔥"), 404, "message_not_found");
  });

  it("answers each kind of caller: anonymous 401, non-member 404, member 204, muted 403 muted (may still remove)", async () => {
    const [owner, member, stranger] = await Promise.all([registerUser("ra"), registerUser("ra"), registerUser("ra")]);
    const room = await createRoom(owner!, { kind: "group", memberIds: [member!.user.id] });
    const msg = await postMessage(room.id, owner!, "a1", "who may react?");
    expect((await react(undefined, room.id, msg.seq, "👍")).status).toBe(401);
    await expectProblem(await react(stranger, room.id, msg.seq, "👍"), 404, "not_found");
    await expectProblem(await react(stranger, room.id, msg.seq, "👍", "DELETE"), 404, "not_found");
    await expectProblem(await react(member, crypto.randomUUID(), msg.seq, "👍"), 404, "not_found");
    await expect204(react(member, room.id, msg.seq, "👍"));

    const until = new Date(Date.now() + 60_000).toISOString();
    const muted = await call(`/v1/rooms/${room.id}/mutes`, {
      token: owner!.accessToken,
      body: { userId: member!.user.id, until },
    });
    expect(muted.status).toBe(200);
    expect(await expectProblem(await react(member, room.id, msg.seq, "🔥"), 403, "muted")).toMatchObject({ until });
    await expect204(react(member, room.id, msg.seq, "👍", "DELETE"));

    // A removed member is a non-member again, in the Worker and in the room object.
    const removed = await call(`/v1/rooms/${room.id}/members/${member!.user.id}`, {
      method: "DELETE",
      token: owner!.accessToken,
    });
    expect(removed.status).toBe(204);
    await expectProblem(await react(member, room.id, msg.seq, "👍"), 404, "not_found");
    const direct = await roomObject(room.id).react({ userId: stranger!.user.id, seq: msg.seq, emoji: "👍", op: "add" });
    expect(direct).toMatchObject({ ok: false, code: "not_member" });
  });

  it("in a direct room, a blocked member cannot add a reaction (403 blocked) but may remove one", async () => {
    const [alice, bob] = await Promise.all([registerUser("rb"), registerUser("rb")]);
    const room = await directRoom(alice!, bob!);
    const msg = await postMessage(room.id, alice!, "b1", "hi");
    await expect204(react(bob, room.id, msg.seq, "👍"));
    const blocked = await call(`/v1/users/${bob!.user.id}/block`, { token: alice!.accessToken, body: {} });
    expect(blocked.status).toBe(204);
    await expectProblem(await react(bob, room.id, msg.seq, "❤️"), 403, "blocked");
    await expect204(react(bob, room.id, msg.seq, "👍", "DELETE"));
    await expect204(react(alice, room.id, msg.seq, "❤️")); // the blocker still can
  });

  it("makes nothing unread and writes no row per member: one reactions row, the log and members untouched", async () => {
    const { room, users } = await channelWith(3);
    const [alice, bob, carol] = users as [TestUser, TestUser, TestUser];
    const msg = await postMessage(room.id, alice, "u1", "count me");
    await eventually(async () => ((await myRoom(bob, room.id))?.unread === 1 ? true : undefined));
    const snapshot = () =>
      runInDurableObject(roomObject(room.id), async (_instance: Room, ctx) => {
        const one = (q: string) => ctx.storage.sql.exec<{ v: number | string }>(q).one().v;
        return {
          messages: one("SELECT COUNT(*) AS v FROM messages"),
          lastSeq: one("SELECT last_seq AS v FROM room_state"),
          members: ctx.storage.sql.exec("SELECT * FROM members ORDER BY user_id").toArray(),
          reactions: one("SELECT COUNT(*) AS v FROM reactions"),
        };
      });
    const before = await snapshot();
    await expect204(react(carol, room.id, msg.seq, "👀"));
    const after = await snapshot();
    expect(after).toEqual({ ...before, reactions: Number(before.reactions) + 1 });
    // Give any (wrong) delivery time to arrive, then check the inboxes: unchanged.
    await new Promise((r) => setTimeout(r, 300));
    expect(await myRoom(bob, room.id)).toMatchObject({ unread: 1, lastSeq: msg.seq });
    expect(await myRoom(alice, room.id)).toMatchObject({ unread: 0, lastSeq: msg.seq });
  });
});

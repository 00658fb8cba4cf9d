// The inbox: exact unread counts across send, read on another device and reconnect; new
// messages reach every device not watching the room; the room list is served by the inbox,
// by last activity; inbox sockets carry only their owner's data.
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser } from "../support/api";
import { directRoom, eventually, inboxObject, inboxSocket, myRoom, secondDevice } from "../support/im";
import { createRoom, postMessage, roomSocket, type TestMessage } from "../support/rooms";
import type { Frame } from "../support/sockets";

const unreadOf = (roomId: string) => (f: Frame) => f.type === "unread" && f.roomId === roomId;

describe("inbox: unread counts and devices", () => {
  it("two devices of one user see the same unread counts: send, read on one device, reconnect", async () => {
    const [alice, bob] = await Promise.all([registerUser("ib"), registerUser("ib")]);
    const room = await directRoom(alice, bob);
    const laptop = await inboxSocket(bob.accessToken);
    const phone = await inboxSocket(await secondDevice(bob));
    for (let i = 1; i <= 3; i++) await postMessage(room.id, alice, `m${i}`, `hello ${i}`);
    for (const device of [laptop, phone]) {
      const frames = [];
      for (let i = 1; i <= 3; i++) frames.push(await device.next((f) => f.type === "message"));
      expect(frames.map((f) => (f.message as TestMessage).seq)).toEqual([1, 2, 3]);
      expect((await device.next((f) => unreadOf(room.id)(f) && f.unread === 3)).unread).toBe(3);
    }
    expect(await myRoom(bob, room.id)).toMatchObject({ unread: 3, lastMessage: { seq: 3, body: "hello 3" } });
    // Reading on the phone (inbox socket frame) clears the badge on the laptop too.
    phone.send({ type: "read", roomId: room.id, seq: 2 });
    for (const device of [laptop, phone])
      expect(await device.next(unreadOf(room.id))).toMatchObject({ unread: 1, readSeq: 2 });
    // HTTP read, and a cursor never moves back.
    expect((await call(`/v1/rooms/${room.id}/read`, { token: bob.accessToken, body: { seq: 1 } })).status).toBe(204);
    expect(await myRoom(bob, room.id)).toMatchObject({ unread: 1, readSeq: 2 });
    laptop.close();
    // Offline: two more messages; the reconnecting device's welcome has the exact count.
    await postMessage(room.id, alice, "m4", "while you were away");
    await postMessage(room.id, alice, "m5", "still away");
    // A busy room fans out at most every IM_FANOUT_INTERVAL_MS: wait until the inbox has both.
    await eventually(async () => ((await myRoom(bob, room.id))?.lastMessage?.seq === 5 ? true : undefined));
    const again = await inboxSocket(bob.accessToken);
    const standing = (
      again.welcome.rooms as { roomId: string; unread: number; readSeq: number; lastSeq: number }[]
    ).find((r) => r.roomId === room.id);
    expect(standing).toEqual({ roomId: room.id, unread: 3, readSeq: 2, lastSeq: 5 });
    // Everything since the cursor is in the history.
    const missed = await json<{ items: TestMessage[] }>(
      await call(`/v1/rooms/${room.id}/messages?after=2`, { token: bob.accessToken }),
    );
    expect(missed.items.map((m) => m.seq)).toEqual([3, 4, 5]);
    // The room socket's read frame also reaches every device.
    const watching = await roomSocket(room.id, bob);
    watching.send({ type: "read", seq: 5 });
    for (const device of [again, phone])
      expect(await device.next((f) => unreadOf(room.id)(f) && f.unread === 0)).toMatchObject({ readSeq: 5 });
    expect((await myRoom(bob, room.id))!.unread).toBe(0);
    [again, phone, watching].forEach((s) => s.close());
  });

  it("a device watching the room gets no inbox message frame; the others do; my own messages are never unread", async () => {
    const [alice, bob] = await Promise.all([registerUser("ib"), registerUser("ib")]);
    const room = await directRoom(alice, bob);
    const watcherToken = await secondDevice(bob);
    const watcherInbox = await inboxSocket(watcherToken);
    const watcherRoom = await roomSocket(room.id, { ...bob, accessToken: watcherToken });
    const other = await inboxSocket(bob.accessToken);
    const aliceInbox = await inboxSocket(alice.accessToken);
    await postMessage(room.id, alice, "w1", "are you there?");
    expect(await other.next((f) => f.type === "message")).toMatchObject({ message: { body: "are you there?" } });
    expect(await watcherRoom.next((f) => f.type === "message")).toMatchObject({ message: { body: "are you there?" } });
    await watcherInbox.next((f) => unreadOf(room.id)(f) && f.unread === 1);
    expect(watcherInbox.received.some((f) => f.type === "message")).toBe(false);
    // The sender's other devices see their own message, but it is not unread for them.
    expect(await aliceInbox.next((f) => f.type === "message")).toMatchObject({ message: { seq: 1 } });
    expect((await myRoom(alice, room.id))!.unread).toBe(0);
    expect(aliceInbox.received.some((f) => f.type === "unread")).toBe(false);
    [watcherInbox, watcherRoom, other, aliceInbox].forEach((s) => s.close());
  });

  it("lists my rooms by last activity with exact unread and the last message, from the inbox", async () => {
    const [owner, member] = await Promise.all([registerUser("ib"), registerUser("ib")]);
    const first = await createRoom(owner, { kind: "group", memberIds: [member.user.id] });
    const second = await createRoom(owner, { kind: "group", memberIds: [member.user.id] });
    await postMessage(first.id, owner, "f1", "bump the first room");
    const page = await eventually(async () => {
      const p = await json<{ items: { id: string; unread: number }[] }>(
        await call("/v1/rooms", { token: member.accessToken }),
      );
      return p.items[0]?.id === first.id && p.items[0].unread === 1 ? p : undefined;
    });
    expect(page.items.map((r) => r.id)).toEqual([first.id, second.id]);
    const paged = await json<{ items: { id: string }[]; nextCursor: string }>(
      await call("/v1/rooms?limit=1", { token: member.accessToken }),
    );
    const rest = await json<{ items: { id: string }[]; nextCursor: null }>(
      await call(`/v1/rooms?limit=1&cursor=${paged.nextCursor}`, { token: member.accessToken }),
    );
    expect([...paged.items, ...rest.items].map((r) => r.id)).toEqual([first.id, second.id]);
    await expectProblem(await call("/v1/rooms?cursor=bm9wZQ", { token: member.accessToken }), 400, "invalid_cursor");
    // Leaving takes the room off the list; a new member does not inherit old messages as unread.
    expect((await call(`/v1/rooms/${first.id}/leave`, { method: "POST", token: member.accessToken })).status).toBe(204);
    expect(await myRoom(member, first.id)).toBeUndefined();
    expect(
      (await call(`/v1/rooms/${first.id}/members`, { token: owner.accessToken, body: { userId: member.user.id } }))
        .status,
    ).toBe(204);
    expect(await myRoom(member, first.id)).toMatchObject({ unread: 0, readSeq: 1 });
  });

  it("inbox sockets carry only the owner's data; a read frame for a room I am not in is refused", async () => {
    const [alice, bob, eve] = await Promise.all([registerUser("ib"), registerUser("ib"), registerUser("ib")]);
    const room = await directRoom(alice, bob);
    const eveInbox = await inboxSocket(eve.accessToken);
    await postMessage(room.id, alice, "s1", "private");
    const bobsInbox = await inboxSocket(bob.accessToken);
    eveInbox.send({ type: "read", roomId: room.id, seq: 1 });
    expect(await eveInbox.next((f) => f.type === "error")).toMatchObject({ code: "not_found" });
    bobsInbox.send({ type: "read", roomId: room.id, seq: 9 });
    expect(await bobsInbox.next((f) => f.type === "error")).toMatchObject({ code: "seq_ahead" });
    for (const bad of [
      "nope",
      "{}",
      JSON.stringify({ type: "read", roomId: room.id }),
      JSON.stringify({ type: "read", roomId: room.id, seq: -1, x: 1 }),
    ]) {
      eveInbox.send(bad);
      expect(await eveInbox.next((f) => f.type === "error")).toMatchObject({ code: "invalid_frame" });
    }
    expect(eveInbox.received.some((f) => f.type === "message" || f.type === "unread")).toBe(false);
    expect((eveInbox.welcome.rooms as unknown[]).length).toBe(0);
    expect((await myRoom(bob, room.id))!.unread).toBe(1);
    [eveInbox, bobsInbox].forEach((s) => s.close());
  });

  it("rebuilds the room list of an inbox that predates IM from D1 and the rooms", async () => {
    const [alice, bob] = await Promise.all([registerUser("ib"), registerUser("ib")]);
    const room = await createRoom(alice, { kind: "group", memberIds: [bob.user.id] });
    await postMessage(room.id, alice, "r1", "one");
    await postMessage(room.id, alice, "r2", "two");
    const { runInDurableObject } = await import("cloudflare:test");
    // Wipe bob's inbox as if it had never existed.
    await runInDurableObject(inboxObject(bob.user.id), async (_, state) => {
      state.storage.sql.exec("DELETE FROM rooms");
      state.storage.sql.exec("UPDATE inbox_state SET built = 0");
    });
    expect(await myRoom(bob, room.id)).toMatchObject({
      unread: 2,
      lastMessage: { seq: 2, body: "two" },
      memberCount: 2,
      role: "member",
    });
  });
});

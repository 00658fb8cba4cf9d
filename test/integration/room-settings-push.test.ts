// Push under notification settings (issue 16, decision 0086), against the local test push
// service: `none`, `mentions` (no message mentions anyone yet) and a future `muteUntil` send no
// push, `all` does; unread counts every message whatever the settings.
import { describe, expect, it } from "vitest";
import { call, json, registerUser, type TestUser } from "../support/api";
import { directRoom, eventually, myRoom } from "../support/im";
import { receivedPushes, subscribe } from "../support/push";
import { postMessage } from "../support/rooms";

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setSettings(user: TestUser, roomId: string, body: unknown): Promise<void> {
  const res = await call(`/v1/rooms/${roomId}/settings`, { method: "PUT", token: user.accessToken, body });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** Waits until the user's inbox has counted `unread` in the room: the push decision of those messages is made. */
async function counted(user: TestUser, roomId: string, unread: number): Promise<void> {
  await eventually(async () => ((await myRoom(user, roomId))?.unread === unread ? true : undefined));
}

describe("push honours room notification settings", () => {
  it("no push with none, mentions (unmentioned) or while muted; a push with all, counting every unread", async () => {
    const [alice, bob] = await Promise.all([registerUser("sp"), registerUser("sp")]);
    const room = await directRoom(alice, bob);
    const sub = await subscribe(bob);

    await setSettings(bob, room.id, { notify: "none" });
    await postMessage(room.id, alice, "n1", "nothing");
    await counted(bob, room.id, 1);

    await setSettings(bob, room.id, { notify: "mentions" });
    await postMessage(room.id, alice, "n2", "no mention here");
    await counted(bob, room.id, 2);

    await setSettings(bob, room.id, { notify: "all", muteUntil: new Date(Date.now() + 3_600_000).toISOString() });
    await postMessage(room.id, alice, "n3", "muted");
    await counted(bob, room.id, 3);
    await settle(300);
    expect(await receivedPushes(sub.id)).toHaveLength(0);

    await setSettings(bob, room.id, { notify: "all" });
    const heard = await postMessage(room.id, alice, "n4", "heard");
    const pushes = await eventually(async () => {
      const got = await receivedPushes(sub.id);
      return got.length > 0 ? got : undefined;
    });
    expect(pushes).toHaveLength(1);
    expect(pushes[0]?.payload).toMatchObject({ roomId: room.id, seq: heard.seq, preview: "heard", unread: 4 });
    const listed = await myRoom(bob, room.id);
    expect(listed?.unread).toBe(4);
  });

  it("a mute that has ended pushes again; settings are per room", async () => {
    const [alice, bob, carol] = await Promise.all([registerUser("sp"), registerUser("sp"), registerUser("sp")]);
    const muted = await directRoom(alice, bob);
    const open = await directRoom(carol, bob);
    const sub = await subscribe(bob);
    await setSettings(bob, muted.id, { notify: "all", muteUntil: new Date(Date.now() + 1_500).toISOString() });
    await postMessage(muted.id, alice, "m1", "during the mute");
    await counted(bob, muted.id, 1);
    const other = await postMessage(open.id, carol, "o1", "another room");
    await eventually(async () => ((await receivedPushes(sub.id)).length === 1 ? true : undefined));
    await settle(1_600);
    const after = await postMessage(muted.id, alice, "m2", "after the mute");
    const pushes = await eventually(async () => {
      const got = await receivedPushes(sub.id);
      return got.length === 2 ? got : undefined;
    });
    expect(pushes.map((p) => [p.payload.roomId, p.payload.seq])).toEqual([
      [open.id, other.seq],
      [muted.id, after.seq],
    ]);
    expect(
      await json<{ notify: string }>(await call(`/v1/rooms/${muted.id}/settings`, { token: bob.accessToken })),
    ).toMatchObject({ notify: "all" });
  });
});

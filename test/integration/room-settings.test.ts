// Notification settings per member and room (issue 16, decision 0086): GET/PUT
// /v1/rooms/:id/settings, who may use them, validation, and the room list carrying them.
// Push under these settings: room-settings-push.test.ts (the push-enabled project).
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser, type TestUser } from "../support/api";
import { directRoom, eventually, inboxSocket, myRoom } from "../support/im";
import { createRoom, postMessage } from "../support/rooms";

interface Settings {
  notify: "all" | "mentions" | "none";
  muteUntil: string | null;
}

const put = (user: TestUser | undefined, roomId: string, body: unknown) =>
  call(`/v1/rooms/${roomId}/settings`, { method: "PUT", token: user?.accessToken, body });
const get = (user: TestUser | undefined, roomId: string) =>
  call(`/v1/rooms/${roomId}/settings`, { token: user?.accessToken });

describe("/v1/rooms/:id/settings", () => {
  it("only a member reads and sets their own settings: 401 anonymous, 404 for non-members and unknown rooms", async () => {
    const [owner, member, outsider] = await Promise.all([registerUser("st"), registerUser("st"), registerUser("st")]);
    const channel = await createRoom(owner, { kind: "channel", memberIds: [member.user.id] });
    const group = await createRoom(owner, { kind: "group", memberIds: [member.user.id] });
    const body = { notify: "none" };
    for (const room of [channel, group]) {
      await expectProblem(await get(undefined, room.id), 401, "unauthorized");
      await expectProblem(await put(undefined, room.id, body), 401, "unauthorized");
      // A public channel is visible to an outsider, but its settings are a member's own.
      await expectProblem(await get(outsider, room.id), 404, "not_found");
      await expectProblem(await put(outsider, room.id, body), 404, "not_found");
      expect(await json<Settings>(await get(member, room.id))).toEqual({ notify: "all", muteUntil: null });
    }
    await expectProblem(await put(member, crypto.randomUUID(), body), 404, "not_found");
    await expectProblem(await get(member, "not-a-uuid"), 400, "validation_failed");

    const set = await put(member, group.id, { notify: "mentions" });
    expect(set.status, await set.clone().text()).toBe(200);
    expect(await json<Settings>(set)).toEqual({ notify: "mentions", muteUntil: null });
    expect(await json<Settings>(await get(member, group.id))).toEqual({ notify: "mentions", muteUntil: null });
    // Per member: the owner's settings are untouched; per room: the channel is untouched.
    expect(await json<Settings>(await get(owner, group.id))).toEqual({ notify: "all", muteUntil: null });
    expect(await json<Settings>(await get(member, channel.id))).toEqual({ notify: "all", muteUntil: null });

    // After leaving, the room is 404 again.
    expect((await call(`/v1/rooms/${channel.id}/leave`, { method: "POST", token: member.accessToken })).status).toBe(
      204,
    );
    await expectProblem(await put(member, channel.id, body), 404, "not_found");
  });

  it("refuses bad values with 400 validation_failed and changes nothing", async () => {
    const [a, b] = await Promise.all([registerUser("st"), registerUser("st")]);
    const room = await directRoom(a, b);
    expect((await put(a, room.id, { notify: "none" })).status).toBe(200);
    for (const bad of [
      {},
      { notify: "some" },
      { notify: "ALL" },
      { notify: null },
      { notify: "all", muteUntil: "tomorrow" },
      { notify: "all", muteUntil: 1767225600000 },
      { notify: "all", muteUntil: "2026-13-01T00:00:00Z" },
      { notify: "all", extra: true },
    ]) {
      await expectProblem(await put(a, room.id, bad), 400, "validation_failed");
    }
    const raw = await call(`/v1/rooms/${room.id}/settings`, {
      method: "PUT",
      token: a.accessToken,
      body: "{not json",
      headers: { "Content-Type": "application/json" },
    });
    expect(raw.status).toBe(400);
    expect(await json<Settings>(await get(a, room.id))).toEqual({ notify: "none", muteUntil: null });
  });

  it("stores muteUntil as UTC, treats a past time as not muted, and PUT replaces both fields", async () => {
    const [a, b] = await Promise.all([registerUser("st"), registerUser("st")]);
    const room = await directRoom(a, b);
    const later = new Date(Date.now() + 3_600_000);
    const withOffset = `${new Date(later.getTime() + 2 * 3_600_000).toISOString().slice(0, 19)}+02:00`;
    const muted = await json<Settings>(await put(a, room.id, { notify: "all", muteUntil: withOffset }));
    expect(muted.muteUntil).toBe(new Date(Date.parse(withOffset)).toISOString());
    expect(Math.abs(Date.parse(muted.muteUntil ?? "") - later.getTime())).toBeLessThan(1000);
    // PUT replaces: without muteUntil the mute is gone.
    expect(await json<Settings>(await put(a, room.id, { notify: "mentions" }))).toEqual({
      notify: "mentions",
      muteUntil: null,
    });
    const past = new Date(Date.now() - 60_000).toISOString();
    expect(await json<Settings>(await put(a, room.id, { notify: "all", muteUntil: past }))).toEqual({
      notify: "all",
      muteUntil: null,
    });
    expect(await json<Settings>(await put(a, room.id, { notify: "none", muteUntil: null }))).toEqual({
      notify: "none",
      muteUntil: null,
    });
  });

  it("GET /v1/rooms items carry settings; a muted room still counts unread; other devices hear of a change", async () => {
    const [a, b] = await Promise.all([registerUser("st"), registerUser("st")]);
    const room = await directRoom(a, b);
    expect((await myRoom(b, room.id)) as unknown).toMatchObject({ settings: { notify: "all", muteUntil: null } });
    const device = await inboxSocket(b.accessToken);
    const until = new Date(Date.now() + 3_600_000).toISOString();
    expect((await put(b, room.id, { notify: "none", muteUntil: until })).status).toBe(200);
    const frame = await device.next((f) => f.type === "settings");
    expect(frame).toEqual({ type: "settings", roomId: room.id, settings: { notify: "none", muteUntil: until } });
    device.close();
    await postMessage(room.id, a, "m1", "one");
    await postMessage(room.id, a, "m2", "two");
    const listed = await eventually(async () => {
      const row = (await myRoom(b, room.id)) as unknown as { unread: number; settings: Settings } | undefined;
      return row?.unread === 2 ? row : undefined;
    });
    expect(listed.settings).toEqual({ notify: "none", muteUntil: until });
  });
});

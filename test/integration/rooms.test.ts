// Rooms over HTTP: creating, visibility (404 for what a caller may not see), joining and
// leaving, member management by role, history, read cursors and "my rooms".
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser } from "../support/api";
import {
  archivedCount,
  channelWith,
  createRoom,
  postMessage,
  roomObject,
  type TestMessage,
  type TestRoom,
} from "../support/rooms";

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

describe("creating and seeing rooms", () => {
  it("creates a channel and a group; the caller owns them", async () => {
    const owner = await registerUser("rm");
    const friend = await registerUser("rm");
    const channel = await createRoom(owner, { kind: "channel", name: "general" });
    expect(channel).toMatchObject({ kind: "channel", name: "general", memberCount: 1, role: "owner" });
    const group = await createRoom(owner, {
      kind: "group",
      memberIds: [friend.user.id, friend.user.id, owner.user.id],
    });
    expect(group).toMatchObject({ kind: "group", memberCount: 2, role: "owner" });
    const seen = await json<TestRoom>(await call(`/v1/rooms/${group.id}`, { token: friend.accessToken }));
    expect(seen).toMatchObject({ id: group.id, role: "member", memberCount: 2 });
  });

  it("creates a group with 99 invited members within D1's bound-parameter limit", async () => {
    const owner = await registerUser("rm");
    const ids = Array.from({ length: 99 }, () => crypto.randomUUID());
    const insert = env.DB.prepare(
      "INSERT INTO users (id, username, display_name, password_hash) VALUES (?, ?, ?, 'x')",
    );
    await env.DB.batch(ids.map((id) => insert.bind(id, `m_${id.replace(/-/g, "").slice(0, 24)}`, "member")));
    const group = await createRoom(owner, { kind: "group", memberIds: ids });
    expect(group.memberCount).toBe(100);
  });

  it("validates the body", async () => {
    const owner = await registerUser("rm");
    const post = (body: unknown) => call("/v1/rooms", { token: owner.accessToken, body });
    await expectProblem(await post({ kind: "direct", name: "x" }), 400, "validation_failed");
    await expectProblem(await post({ kind: "channel", name: "  " }), 400, "validation_failed");
    await expectProblem(await post({ kind: "channel", name: "x", extra: 1 }), 400, "validation_failed");
    await expectProblem(
      await post({ kind: "group", name: "x", memberIds: [crypto.randomUUID()] }),
      422,
      "unknown_user",
    );
    await expectProblem(await call("/v1/rooms", { body: { kind: "channel", name: "x" } }), 401, "unauthorized");
  });

  it("hides a group from non-members (404), shows a channel to anyone, and lists only channels as public", async () => {
    const owner = await registerUser("rm");
    const stranger = await registerUser("rm");
    const group = await createRoom(owner, { kind: "group" });
    const channel = await createRoom(owner, { kind: "channel" });
    await expectProblem(await call(`/v1/rooms/${group.id}`, { token: stranger.accessToken }), 404, "not_found");
    await expectProblem(
      await call(`/v1/rooms/${crypto.randomUUID()}`, { token: stranger.accessToken }),
      404,
      "not_found",
    );
    const visible = await json<TestRoom>(await call(`/v1/rooms/${channel.id}`, { token: stranger.accessToken }));
    expect(visible.role).toBeUndefined();
    for (const path of ["messages", "messages?after=0"]) {
      await expectProblem(
        await call(`/v1/rooms/${channel.id}/${path}`, { token: stranger.accessToken }),
        404,
        "not_found",
      );
    }
    await expectProblem(
      await call(`/v1/rooms/${group.id}/read`, { token: stranger.accessToken, body: { seq: 0 } }),
      404,
      "not_found",
    );
    const pub = await json<Page<TestRoom>>(await call("/v1/rooms/public?limit=100", { token: stranger.accessToken }));
    expect(pub.items.some((r) => r.id === channel.id)).toBe(true);
    expect(pub.items.some((r) => r.id === group.id)).toBe(false);
  });

  it("pages public channels with an opaque cursor and rejects a forged one", async () => {
    const owner = await registerUser("rm");
    for (let i = 0; i < 3; i++) await createRoom(owner, { kind: "channel" });
    const first = await json<Page<TestRoom>>(await call("/v1/rooms/public?limit=2", { token: owner.accessToken }));
    expect(first.items).toHaveLength(2);
    const second = await json<Page<TestRoom>>(
      await call(`/v1/rooms/public?limit=2&cursor=${first.nextCursor}`, { token: owner.accessToken }),
    );
    expect(second.items[0]!.id < first.items[1]!.id).toBe(true);
    await expectProblem(
      await call("/v1/rooms/public?cursor=bm9wZQ", { token: owner.accessToken }),
      400,
      "invalid_cursor",
    );
  });
});

describe("membership", () => {
  it("joins channels (idempotent) but not groups", async () => {
    const owner = await registerUser("rm");
    const user = await registerUser("rm");
    const channel = await createRoom(owner, { kind: "channel" });
    const group = await createRoom(owner, { kind: "group" });
    for (let i = 0; i < 2; i++) {
      expect((await call(`/v1/rooms/${channel.id}/join`, { method: "POST", token: user.accessToken })).status).toBe(
        204,
      );
    }
    expect(await json<TestRoom>(await call(`/v1/rooms/${channel.id}`, { token: user.accessToken }))).toMatchObject({
      memberCount: 2,
      role: "member",
    });
    await expectProblem(
      await call(`/v1/rooms/${group.id}/join`, { method: "POST", token: user.accessToken }),
      404,
      "not_found",
    );
  });

  it("lets members leave, but not the owner", async () => {
    const { room, users } = await channelWith(2);
    await expectProblem(
      await call(`/v1/rooms/${room.id}/leave`, { method: "POST", token: users[0]!.accessToken }),
      409,
      "owner_cannot_leave",
    );
    expect((await call(`/v1/rooms/${room.id}/leave`, { method: "POST", token: users[1]!.accessToken })).status).toBe(
      204,
    );
    await expectProblem(
      await call(`/v1/rooms/${room.id}/leave`, { method: "POST", token: users[1]!.accessToken }),
      404,
      "not_found",
    );
  });

  it("lets the owner and admins manage group members, by role", async () => {
    const [owner, admin, member, newcomer, other] = await Promise.all(
      Array.from({ length: 5 }, () => registerUser("rm")),
    );
    const group = await createRoom(owner!, { kind: "group", memberIds: [admin!.user.id, member!.user.id] });
    const add = (actor: typeof owner, body: unknown) =>
      call(`/v1/rooms/${group.id}/members`, { token: actor!.accessToken, body });
    const remove = (actor: typeof owner, userId: string) =>
      call(`/v1/rooms/${group.id}/members/${userId}`, { method: "DELETE", token: actor!.accessToken });

    expect((await add(owner, { userId: admin!.user.id, role: "admin" })).status).toBe(204);
    await expectProblem(await add(member, { userId: newcomer!.user.id }), 403, "forbidden");
    await expectProblem(await add(other, { userId: newcomer!.user.id }), 404, "not_found");
    await expectProblem(await add(admin, { userId: newcomer!.user.id, role: "admin" }), 403, "forbidden");
    await expectProblem(await add(admin, { userId: crypto.randomUUID() }), 422, "unknown_user");
    await expectProblem(await add(admin, { userId: owner!.user.id }), 409, "cannot_change_owner");
    expect((await add(admin, { userId: newcomer!.user.id })).status).toBe(204);
    expect(await json<TestRoom>(await call(`/v1/rooms/${group.id}`, { token: newcomer!.accessToken }))).toMatchObject({
      memberCount: 4,
    });

    await expectProblem(await remove(member, newcomer!.user.id), 403, "forbidden");
    await expectProblem(await remove(admin, owner!.user.id), 403, "forbidden");
    await expectProblem(await remove(admin, other!.user.id), 404, "not_found");
    expect((await remove(admin, newcomer!.user.id)).status).toBe(204);
    await expectProblem(await call(`/v1/rooms/${group.id}`, { token: newcomer!.accessToken }), 404, "not_found");
    expect((await remove(owner, admin!.user.id)).status).toBe(204);

    const channel = await createRoom(owner!, { kind: "channel" });
    await expectProblem(
      await call(`/v1/rooms/${channel.id}/members`, { token: owner!.accessToken, body: { userId: newcomer!.user.id } }),
      422,
      "not_a_group",
    );
  });
});

describe("history and read cursors", () => {
  it("pages back from the latest and forward from a seq, oldest first within a page", async () => {
    const { room, users } = await channelWith(1);
    for (let i = 1; i <= 5; i++) await postMessage(room.id, users[0]!, `p${i}`, `message ${i}`);
    const get = async (query: string) =>
      json<Page<TestMessage>>(await call(`/v1/rooms/${room.id}/messages${query}`, { token: users[0]!.accessToken }));
    const latest = await get("?limit=2");
    expect(latest.items.map((m) => m.seq)).toEqual([4, 5]);
    const older = await get(`?limit=2&cursor=${latest.nextCursor}`);
    expect(older.items.map((m) => m.seq)).toEqual([2, 3]);
    const oldest = await get(`?limit=2&cursor=${older.nextCursor}`);
    expect(oldest.items.map((m) => m.seq)).toEqual([1]);
    expect(oldest.nextCursor).toBeNull();
    const forward = await get("?after=1&limit=3");
    expect(forward.items.map((m) => m.seq)).toEqual([2, 3, 4]);
    expect((await get(`?limit=3&cursor=${forward.nextCursor}`)).items.map((m) => m.seq)).toEqual([5]);
    expect((await get("?before=3")).items.map((m) => m.body)).toEqual(["message 1", "message 2"]);
    await expectProblem(
      await call(`/v1/rooms/${room.id}/messages?after=1&before=3`, { token: users[0]!.accessToken }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call(`/v1/rooms/${room.id}/messages?cursor=xyz`, { token: users[0]!.accessToken }),
      400,
      "invalid_cursor",
    );
  });

  it("refuses bodies over the limit (422 body_too_long) and read cursors past the log (422)", async () => {
    const { room, users } = await channelWith(1);
    const long = await call(`/v1/rooms/${room.id}/messages`, {
      token: users[0]!.accessToken,
      body: { clientMsgId: "l", body: "x".repeat(4_001) },
    });
    await expectProblem(long, 422, "body_too_long");
    await expectProblem(
      await call(`/v1/rooms/${room.id}/read`, { token: users[0]!.accessToken, body: { seq: 1 } }),
      422,
      "seq_ahead",
    );
  });

  it("lists my rooms with unread counts and the last message once archived; reading clears unread", async () => {
    const { room, users } = await channelWith(2);
    const [alice, bob] = users as [(typeof users)[0], (typeof users)[0]];
    await postMessage(room.id, bob!, "mine", "my own message");
    for (let i = 2; i <= 4; i++) await postMessage(room.id, alice!, `u${i}`, `unread ${i}`);
    await runDurableObjectAlarm(roomObject(room.id));
    expect(await archivedCount(room.id, 4)).toBe(4);
    const mine = async () => {
      const page = await json<Page<TestRoom & { unread: number; lastMessage: TestMessage | null }>>(
        await call("/v1/rooms", { token: bob!.accessToken }),
      );
      return page.items.find((r) => r.id === room.id)!;
    };
    const before = await mine();
    expect(before).toMatchObject({ unread: 3, role: "member", memberCount: 2 });
    expect(before.lastMessage).toMatchObject({ seq: 4, body: "unread 4", sender: { id: alice!.user.id } });
    expect((await call(`/v1/rooms/${room.id}/read`, { token: bob!.accessToken, body: { seq: 3 } })).status).toBe(204);
    expect((await mine()).unread).toBe(1);
    expect((await call(`/v1/rooms/${room.id}/read`, { token: bob!.accessToken, body: { seq: 1 } })).status).toBe(204);
    expect((await mine()).unread).toBe(1);
    // My own message reads the room up to it (docs/decisions/0071).
    await postMessage(room.id, bob!, "mine-2", "caught up");
    expect((await mine()).unread).toBe(0);
  });

  it("pages my rooms, most recently joined first", async () => {
    const user = await registerUser("rm");
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await createRoom(user, { kind: "group" }));
    const first = await json<Page<TestRoom>>(await call("/v1/rooms?limit=2", { token: user.accessToken }));
    const second = await json<Page<TestRoom>>(
      await call(`/v1/rooms?limit=2&cursor=${first.nextCursor}`, { token: user.accessToken }),
    );
    expect([...first.items, ...second.items].map((r) => r.id)).toEqual(made.map((r) => r.id).reverse());
    expect(second.nextCursor).toBeNull();
  });
});

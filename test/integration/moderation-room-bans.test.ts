// Room bans: who may ban (owner, admin, site moderator; not a member, not a stranger), the
// banned member removed at once with their sockets closed (4003), rejoin, add and resume
// refused with `banned` while it lasts, and lifting it.
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser, type TestUser } from "../support/api";
import { userWithRole } from "../support/moderation";
import { channelWith, createRoom, roomSocket } from "../support/rooms";

const ban = (actor: TestUser, roomId: string, body: unknown) =>
  call(`/v1/rooms/${roomId}/bans`, { token: actor.accessToken, body });
const lift = (actor: TestUser, roomId: string, userId: string) =>
  call(`/v1/rooms/${roomId}/bans/${userId}`, { method: "DELETE", token: actor.accessToken });
const join = (user: TestUser, roomId: string) =>
  call(`/v1/rooms/${roomId}/join`, { method: "POST", token: user.accessToken });

describe("room bans", () => {
  it("removes the member at once, closes their socket with 4003, and refuses rejoin and resume", async () => {
    const { room, users } = await channelWith(2);
    const [owner, member] = users as [TestUser, TestUser];
    const socket = await roomSocket(room.id, member);
    const started = Date.now();
    const res = await ban(owner, room.id, { userId: member.user.id, reason: "spam" });
    expect(await json(res)).toEqual({ roomId: room.id, userId: member.user.id, until: null, reason: "spam" });
    const closed = await socket.closed;
    expect(closed.code).toBe(4003);
    expect(Date.now() - started).toBeLessThan(1_000);

    await expectProblem(await join(member, room.id), 403, "banned");
    const resume = await call(`/v1/rooms/${room.id}/ws?since=0`, {
      headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": `plaza.v1, bearer.${member.accessToken}` },
    });
    expect(await expectProblem(resume, 403, "banned")).toMatchObject({ until: null });
    await expectProblem(
      await call(`/v1/rooms/${room.id}/messages`, {
        token: member.accessToken,
        body: { clientMsgId: "x1", body: "hi" },
      }),
      404,
      "not_found",
    );

    expect((await lift(owner, room.id, member.user.id)).status).toBe(204);
    expect((await join(member, room.id)).status).toBe(204);
  });

  it("a timed ban ends by itself; a banned user cannot be added to a group", async () => {
    const [owner, member] = await Promise.all([registerUser("rb"), registerUser("rb")]);
    const group = await createRoom(owner, { kind: "group", memberIds: [member.user.id] });
    const until = new Date(Date.now() + 60_000).toISOString();
    expect((await ban(owner, group.id, { userId: member.user.id, until })).status).toBe(200);
    const add = await call(`/v1/rooms/${group.id}/members`, {
      token: owner.accessToken,
      body: { userId: member.user.id },
    });
    expect(await expectProblem(add, 403, "banned")).toMatchObject({ until });
    await expectProblem(
      await ban(owner, group.id, { userId: member.user.id, until: new Date(Date.now() - 1).toISOString() }),
      422,
      "until_in_past",
    );
  });

  it("answers each kind of caller as specified", async () => {
    const [owner, admin, member, stranger, target] = await Promise.all(
      Array.from({ length: 5 }, () => registerUser("rb")),
    );
    const moderator = await userWithRole("moderator");
    const room = await createRoom(owner!, {
      kind: "group",
      memberIds: [admin!.user.id, member!.user.id, target!.user.id],
    });
    await call(`/v1/rooms/${room.id}/members`, {
      token: owner!.accessToken,
      body: { userId: admin!.user.id, role: "admin" },
    });
    const body = { userId: target!.user.id };

    expect((await call(`/v1/rooms/${room.id}/bans`, { body })).status).toBe(401);
    await expectProblem(await ban(stranger!, room.id, body), 404, "not_found");
    await expectProblem(await ban(member!, room.id, body), 403, "forbidden");
    await expectProblem(await lift(member!, room.id, target!.user.id), 403, "forbidden");
    await expectProblem(await ban(admin!, room.id, { userId: owner!.user.id }), 403, "forbidden");
    await expectProblem(await ban(owner!, room.id, { userId: owner!.user.id }), 422, "cannot_ban_self");
    await expectProblem(await ban(owner!, room.id, { userId: crypto.randomUUID() }), 404, "not_found");
    await expectProblem(await ban(owner!, room.id, { userId: "nope" }), 400, "validation_failed");
    expect((await ban(admin!, room.id, body)).status).toBe(200);
    expect((await lift(owner!, room.id, target!.user.id)).status).toBe(204);
    expect((await ban(moderator, room.id, { userId: admin!.user.id })).status).toBe(200);
    await expectProblem(await ban(admin!, room.id, body), 404, "not_found"); // no longer a member

    const direct = await json<{ id: string }>(
      await call("/v1/rooms/direct", { token: owner!.accessToken, body: { userId: member!.user.id } }),
    );
    await expectProblem(await ban(owner!, direct.id, { userId: member!.user.id }), 422, "not_bannable");
  });
});

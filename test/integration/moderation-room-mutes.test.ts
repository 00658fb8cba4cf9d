// Room mutes: a muted member still reads but their sends (socket and HTTP) are refused with
// `muted` and `until`; lifting restores sending; who may mute.
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser, type TestUser } from "../support/api";
import { userWithRole } from "../support/moderation";
import { channelWith, createRoom, postMessage, roomSocket } from "../support/rooms";

const mute = (actor: TestUser, roomId: string, body: unknown) =>
  call(`/v1/rooms/${roomId}/mutes`, { token: actor.accessToken, body });
const unmute = (actor: TestUser, roomId: string, userId: string) =>
  call(`/v1/rooms/${roomId}/mutes/${userId}`, { method: "DELETE", token: actor.accessToken });
const later = (ms = 60_000) => new Date(Date.now() + ms).toISOString();

describe("room mutes", () => {
  it("refuses a muted member's sends with `muted` and `until`, lets them read, and lifting restores sending", async () => {
    const { room, users } = await channelWith(2);
    const [owner, member] = users as [TestUser, TestUser];
    const until = later();
    expect(await json(await mute(owner, room.id, { userId: member.user.id, until }))).toEqual({
      roomId: room.id,
      userId: member.user.id,
      until,
    });
    const socket = await roomSocket(room.id, member);
    socket.send({ type: "send", clientMsgId: "m1", body: "can I talk?" });
    const refused = await socket.next((f) => f.type === "error");
    expect(refused).toMatchObject({ code: "muted", clientMsgId: "m1", until });
    const http = await call(`/v1/rooms/${room.id}/messages`, {
      token: member.accessToken,
      body: { clientMsgId: "m2", body: "and now?" },
    });
    expect(await expectProblem(http, 403, "muted")).toMatchObject({ until });

    // Still reads: the owner's message arrives.
    await postMessage(room.id, owner, crypto.randomUUID(), "you are muted");
    expect(await socket.next((f) => f.type === "message")).toMatchObject({ message: { body: "you are muted" } });

    expect((await unmute(owner, room.id, member.user.id)).status).toBe(204);
    socket.send({ type: "send", clientMsgId: "m3", body: "thanks" });
    expect(await socket.next((f) => f.type === "ack")).toMatchObject({ clientMsgId: "m3" });
    socket.close();
  });

  it("answers each kind of caller as specified", async () => {
    const [owner, admin, member, stranger, target] = await Promise.all(
      Array.from({ length: 5 }, () => registerUser("rm")),
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
    const body = { userId: target!.user.id, until: later() };

    expect((await call(`/v1/rooms/${room.id}/mutes`, { body })).status).toBe(401);
    await expectProblem(await mute(stranger!, room.id, body), 404, "not_found");
    await expectProblem(await mute(member!, room.id, body), 403, "forbidden");
    await expectProblem(await unmute(member!, room.id, target!.user.id), 403, "forbidden");
    await expectProblem(await mute(admin!, room.id, { userId: owner!.user.id, until: later() }), 403, "forbidden");
    await expectProblem(await mute(owner!, room.id, { userId: stranger!.user.id, until: later() }), 404, "not_found");
    await expectProblem(
      await mute(owner!, room.id, { userId: target!.user.id, until: later(-1000) }),
      422,
      "until_in_past",
    );
    await expectProblem(await mute(owner!, room.id, { userId: target!.user.id }), 400, "validation_failed");
    expect((await mute(admin!, room.id, body)).status).toBe(200);
    expect((await mute(moderator, room.id, { userId: admin!.user.id, until: later() })).status).toBe(200);
    expect((await unmute(moderator, room.id, admin!.user.id)).status).toBe(204);
  });
});

// Moderator removal of room messages: the room's owner and admins and site moderators delete
// anyone's message (a tombstone for everyone, live and on resume); a plain member cannot; a
// message report resolved with `remove` does the same; every removal is audited.
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser, type TestUser } from "../support/api";
import { userWithRole } from "../support/moderation";
import { channelWith, postMessage, roomSocket } from "../support/rooms";

const del = (who: TestUser, roomId: string, seq: number) =>
  call(`/v1/rooms/${roomId}/messages/${seq}`, { method: "DELETE", token: who.accessToken });

describe("moderator message removal", () => {
  it("the owner removes a member's message: a tombstone live and on resume; a member cannot", async () => {
    const { room, users } = await channelWith(3);
    const [owner, author, other] = users as [TestUser, TestUser, TestUser];
    const message = await postMessage(room.id, author, crypto.randomUUID(), "offensive words");
    await expectProblem(await del(other, room.id, message.seq), 403, "forbidden");
    const watcher = await roomSocket(room.id, other, `?since=${message.seq}`);
    expect((await del(owner, room.id, message.seq)).status).toBe(204);
    const deleted = await watcher.next((f) => f.type === "deleted");
    expect(deleted).toMatchObject({ message: { seq: message.seq, body: "", deletedAt: expect.any(String) } });
    watcher.close();
    const resumed = await roomSocket(room.id, author, "?since=0");
    const replayed = await resumed.next((f) => f.type === "deleted");
    expect(replayed).toMatchObject({ message: { seq: message.seq, body: "" } });
    resumed.close();
    // Again: already a tombstone.
    expect((await del(owner, room.id, message.seq)).status).toBe(204);
  });

  it("a site moderator who is not a member removes a message; a stranger gets 404; audited", async () => {
    const { room, users } = await channelWith(2);
    const [moderator, admin, stranger] = [
      await userWithRole("moderator"),
      await userWithRole("admin"),
      await registerUser("mm"),
    ];
    const message = await postMessage(room.id, users[1]!, crypto.randomUUID(), "spam spam");
    await expectProblem(await del(stranger, room.id, message.seq), 404, "not_found");
    await expectProblem(await del(moderator, room.id, 999), 404, "not_found");
    expect((await del(moderator, room.id, message.seq)).status).toBe(204);
    const audit = await json<{ items: { action: string; actorId: string; details: { roomId: string } }[] }>(
      await call("/v1/admin/audit?limit=100", { token: admin.accessToken }),
    );
    expect(audit.items.find((e) => e.actorId === moderator.user.id)).toMatchObject({
      action: "message.remove",
      details: { roomId: room.id },
    });
  });

  it("a message report resolved with remove deletes the message", async () => {
    const { room, users } = await channelWith(2);
    const moderator = await userWithRole("moderator");
    const message = await postMessage(room.id, users[0]!, crypto.randomUUID(), "report me");
    const filed = await json<{ id: string }>(
      await call("/v1/reports", {
        token: users[1]!.accessToken,
        body: { target: { kind: "message", id: String(message.seq), roomId: room.id }, reason: "abuse" },
      }),
    );
    const res = await call(`/v1/admin/reports/${filed.id}/resolve`, {
      token: moderator.accessToken,
      body: { action: "remove" },
    });
    expect(res.status).toBe(200);
    const history = await json<{ items: { seq: number; body: string; deletedAt?: string }[] }>(
      await call(`/v1/rooms/${room.id}/messages?after=0`, { token: users[1]!.accessToken }),
    );
    expect(history.items.find((m) => m.seq === message.seq)).toMatchObject({ body: "", deletedAt: expect.any(String) });
  });
});

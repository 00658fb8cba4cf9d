// Room roles: the owner and admins set a member's role; only the owner makes admins; a room
// moderator mutes, bans and removes messages of members, but manages no members and acts on no
// admin or other moderator.
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser, type TestUser } from "../support/api";
import { createRoom, postMessage } from "../support/rooms";

const setRole = (actor: TestUser | undefined, roomId: string, userId: string, role: string) =>
  call(`/v1/rooms/${roomId}/members/${userId}`, { method: "PATCH", token: actor?.accessToken, body: { role } });
const later = () => new Date(Date.now() + 60_000).toISOString();

describe("room roles", () => {
  it("answers each kind of caller as specified, and a room moderator moderates members only", async () => {
    const [owner, admin, mod, member, other, stranger] = await Promise.all(
      Array.from({ length: 6 }, () => registerUser("rr")),
    );
    const ids = [admin, mod, member, other].map((u) => u!.user.id);
    const room = await createRoom(owner!, { kind: "group", memberIds: ids });

    expect((await setRole(undefined, room.id, mod!.user.id, "moderator")).status).toBe(401);
    await expectProblem(await setRole(stranger!, room.id, mod!.user.id, "moderator"), 404, "not_found");
    await expectProblem(await setRole(member!, room.id, mod!.user.id, "moderator"), 403, "forbidden");
    expect(await json(await setRole(owner!, room.id, admin!.user.id, "admin"))).toEqual({
      roomId: room.id,
      userId: admin!.user.id,
      role: "admin",
    });
    await expectProblem(await setRole(admin!, room.id, mod!.user.id, "admin"), 403, "forbidden");
    expect((await setRole(admin!, room.id, mod!.user.id, "moderator")).status).toBe(200);
    await expectProblem(await setRole(admin!, room.id, owner!.user.id, "member"), 409, "cannot_change_owner");
    await expectProblem(await setRole(owner!, room.id, stranger!.user.id, "member"), 404, "not_found");
    await expectProblem(await setRole(owner!, room.id, member!.user.id, "owner"), 400, "validation_failed");
    const seen = await json<{ role: string }>(await call(`/v1/rooms/${room.id}`, { token: mod!.accessToken }));
    expect(seen.role).toBe("moderator");

    // The room moderator: mutes and removes a member's message, bans a member...
    const mute = (target: TestUser) =>
      call(`/v1/rooms/${room.id}/mutes`, { token: mod!.accessToken, body: { userId: target.user.id, until: later() } });
    expect((await mute(member!)).status).toBe(200);
    const message = await postMessage(room.id, other!, crypto.randomUUID(), "rude");
    expect(
      (await call(`/v1/rooms/${room.id}/messages/${message.seq}`, { method: "DELETE", token: mod!.accessToken }))
        .status,
    ).toBe(204);
    expect(
      (await call(`/v1/rooms/${room.id}/bans`, { token: mod!.accessToken, body: { userId: other!.user.id } })).status,
    ).toBe(200);
    // ...but not an admin, and manages no members.
    await expectProblem(await mute(admin!), 403, "forbidden");
    await expectProblem(
      await call(`/v1/rooms/${room.id}/members`, { token: mod!.accessToken, body: { userId: stranger!.user.id } }),
      403,
      "forbidden",
    );
    // Demoted, they can no longer mute.
    expect((await setRole(owner!, room.id, mod!.user.id, "member")).status).toBe(200);
    await expectProblem(await mute(member!), 403, "forbidden");
  });
});

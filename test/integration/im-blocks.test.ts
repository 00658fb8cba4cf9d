// What a block means beyond direct rooms (issue 14.4, docs/decisions/0067): the user I block
// cannot put me in a group (create or add) or message me directly; I can still do both; a third
// party is not bound by my blocks. The access matrix of blocker, blocked and third party.
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser, type TestUser } from "../support/api";
import { directRoom } from "../support/im";
import { createRoom, postMessage } from "../support/rooms";

const block = async (blocker: TestUser, blocked: TestUser, method: "POST" | "DELETE" = "POST") =>
  expect((await call(`/v1/users/${blocked.user.id}/block`, { method, token: blocker.accessToken })).status).toBe(204);

const newGroup = (owner: TestUser, memberIds: string[]) =>
  call("/v1/rooms", { token: owner.accessToken, body: { kind: "group", name: "g", memberIds } });

const addMember = (actor: TestUser, roomId: string, user: TestUser) =>
  call(`/v1/rooms/${roomId}/members`, { token: actor.accessToken, body: { userId: user.user.id } });

const myRoomIds = async (u: TestUser) =>
  (await json<{ items: { id: string }[] }>(await call("/v1/rooms", { token: u.accessToken }))).items.map((r) => r.id);

describe("blocks across direct rooms and groups", () => {
  it("the blocked user cannot create a group with the blocker: 403 blocked, as for a direct message", async () => {
    const [blocker, blocked, third] = await Promise.all([registerUser("bk"), registerUser("bk"), registerUser("bk")]);
    const dm = await directRoom(blocker, blocked);
    await block(blocker, blocked);
    const dmProblem = await expectProblem(
      await call(`/v1/rooms/${dm.id}/messages`, {
        token: blocked.accessToken,
        body: { clientMsgId: crypto.randomUUID(), body: "hi" },
      }),
      403,
      "blocked",
    );
    for (const members of [[blocker.user.id], [third.user.id, blocker.user.id]]) {
      const problem = await expectProblem(await newGroup(blocked, members), 403, "blocked");
      expect(problem.detail).toBe(dmProblem.detail);
    }
    // Nothing was created: no room reached the blocker's or the third party's list.
    expect(await myRoomIds(blocker)).toEqual([dm.id]);
    expect(await myRoomIds(third)).toEqual([]);
  });

  it("the blocked user cannot add the blocker to a group, as owner or as admin of someone else's", async () => {
    const [blocker, blocked, third] = await Promise.all([registerUser("bk"), registerUser("bk"), registerUser("bk")]);
    await block(blocker, blocked);
    const own = await createRoom(blocked, { kind: "group", memberIds: [third.user.id] });
    await expectProblem(await addMember(blocked, own.id, blocker), 403, "blocked");
    const theirs = await createRoom(third, { kind: "group", memberIds: [] });
    const promote = await call(`/v1/rooms/${theirs.id}/members`, {
      token: third.accessToken,
      body: { userId: blocked.user.id, role: "admin" },
    });
    expect(promote.status).toBe(204);
    await expectProblem(await addMember(blocked, theirs.id, blocker), 403, "blocked");
    expect(await myRoomIds(blocker)).toEqual([]);
  });

  it("the blocker may still create a group with, add and message the blocked user", async () => {
    const [blocker, blocked] = await Promise.all([registerUser("bk"), registerUser("bk")]);
    await block(blocker, blocked);
    await createRoom(blocker, { kind: "group", memberIds: [blocked.user.id] });
    const group = await createRoom(blocker, { kind: "group", memberIds: [] });
    expect((await addMember(blocker, group.id, blocked)).status).toBe(204);
    const dm = await directRoom(blocker, blocked);
    await postMessage(dm.id, blocker, crypto.randomUUID(), "still here");
  });

  it("a third party may put both in a group; there, both can write (a group is not a pair)", async () => {
    const [blocker, blocked, third] = await Promise.all([registerUser("bk"), registerUser("bk"), registerUser("bk")]);
    await block(blocker, blocked);
    const group = await createRoom(third, { kind: "group", memberIds: [blocker.user.id, blocked.user.id] });
    const other = await createRoom(third, { kind: "group", memberIds: [blocked.user.id] });
    expect((await addMember(third, other.id, blocker)).status).toBe(204);
    await postMessage(group.id, blocked, crypto.randomUUID(), "from the blocked user");
    await postMessage(group.id, blocker, crypto.randomUUID(), "from the blocker");
  });

  it("after an unblock the formerly blocked user may create a group with the former blocker", async () => {
    const [blocker, blocked] = await Promise.all([registerUser("bk"), registerUser("bk")]);
    await block(blocker, blocked);
    await expectProblem(await newGroup(blocked, [blocker.user.id]), 403, "blocked");
    await block(blocker, blocked, "DELETE");
    expect((await newGroup(blocked, [blocker.user.id])).status).toBe(201);
  });
});

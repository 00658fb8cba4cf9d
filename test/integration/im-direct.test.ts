// Direct rooms and blocking: one room per pair even under concurrent creation, no room with
// yourself or a missing user, blocked direct messages refused (HTTP 403, socket error frame)
// with history kept.
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser } from "../support/api";
import { directRoom, myRoom } from "../support/im";
import { postMessage, roomSocket, type TestRoom } from "../support/rooms";

describe("direct rooms", () => {
  it("gives both users the same one room, even when both create it at the same time", async () => {
    const [alice, bob] = await Promise.all([registerUser("dm"), registerUser("dm")]);
    const calls = Array.from({ length: 6 }, (_, i) => {
      const [me, peer] = i % 2 === 0 ? [alice, bob] : [bob, alice];
      return call("/v1/rooms/direct", { token: me.accessToken, body: { userId: peer.user.id } });
    });
    const responses = await Promise.all(calls);
    const rooms = await Promise.all(responses.map((r) => json<TestRoom & { peer: { id: string } }>(r.clone())));
    expect(new Set(rooms.map((r) => r.id)).size).toBe(1);
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 200)).toHaveLength(5);
    expect(rooms[0]).toMatchObject({
      kind: "direct",
      memberCount: 2,
      role: "member",
      peer: { id: bob.user.id },
      name: bob.user.username,
    });
    expect(rooms[1]).toMatchObject({ peer: { id: alice.user.id }, name: alice.user.username });
    const seen = await json<TestRoom>(await call(`/v1/rooms/${rooms[0]!.id}`, { token: bob.accessToken }));
    expect(seen).toMatchObject({ kind: "direct", name: alice.user.username, memberCount: 2 });
    expect(await myRoom(alice, rooms[0]!.id)).toMatchObject({ kind: "direct", name: bob.user.username, unread: 0 });
  });

  it("refuses a room with yourself, a missing user, bad input and anonymous callers", async () => {
    const alice = await registerUser("dm");
    const post = (body: unknown, token = alice.accessToken) => call("/v1/rooms/direct", { token, body });
    await expectProblem(await post({ userId: alice.user.id }), 422, "cannot_message_self");
    await expectProblem(await post({ userId: crypto.randomUUID() }), 422, "unknown_user");
    await expectProblem(await post({ userId: "x" }), 400, "validation_failed");
    await expectProblem(await post({ userId: alice.user.id, extra: 1 }), 400, "validation_failed");
    await expectProblem(await call("/v1/rooms/direct", { body: { userId: alice.user.id } }), 401, "unauthorized");
  });

  it("hides a direct room from everyone else (404 on every route and the socket)", async () => {
    const [alice, bob, eve] = await Promise.all([registerUser("dm"), registerUser("dm"), registerUser("dm")]);
    const room = await directRoom(alice, bob);
    await postMessage(room.id, alice, "d1", "secret");
    for (const path of ["", "/messages", "/messages?after=0"]) {
      await expectProblem(await call(`/v1/rooms/${room.id}${path}`, { token: eve.accessToken }), 404, "not_found");
    }
    await expectProblem(
      await call(`/v1/rooms/${room.id}/messages`, { token: eve.accessToken, body: { clientMsgId: "x", body: "hi" } }),
      404,
      "not_found",
    );
    await expectProblem(
      await call(`/v1/rooms/${room.id}/join`, { method: "POST", token: eve.accessToken }),
      404,
      "not_found",
    );
    await expectProblem(
      await call(`/v1/rooms/${room.id}/members`, { token: alice.accessToken, body: { userId: eve.user.id } }),
      403,
      "forbidden",
    );
  });

  it("blocking refuses the blocked user's messages (HTTP 403, socket error frame) and keeps history; unblocking restores them", async () => {
    const [alice, bob] = await Promise.all([registerUser("dm"), registerUser("dm")]);
    const room = await directRoom(alice, bob);
    const before = await postMessage(room.id, bob, "b1", "hello alice");
    expect((await call(`/v1/users/${bob.user.id}/block`, { method: "POST", token: alice.accessToken })).status).toBe(
      204,
    );
    expect((await call(`/v1/users/${bob.user.id}/block`, { method: "POST", token: alice.accessToken })).status).toBe(
      204,
    );
    await expectProblem(
      await call(`/v1/rooms/${room.id}/messages`, { token: bob.accessToken, body: { clientMsgId: "b2", body: "hi?" } }),
      403,
      "blocked",
    );
    const socket = await roomSocket(room.id, bob);
    socket.send({ type: "send", clientMsgId: "b3", body: "over the socket" });
    expect(await socket.next((f) => f.type === "error")).toMatchObject({ code: "blocked" });
    socket.close();
    // Alice can still write, and the history is intact.
    await postMessage(room.id, alice, "a1", "I blocked you");
    const history = await json<{ items: { body: string }[] }>(
      await call(`/v1/rooms/${room.id}/messages`, { token: bob.accessToken }),
    );
    expect(history.items.map((m) => m.body)).toEqual([before.body, "I blocked you"]);
    expect((await call(`/v1/users/${bob.user.id}/block`, { method: "DELETE", token: alice.accessToken })).status).toBe(
      204,
    );
    await postMessage(room.id, bob, "b4", "thanks");
  });

  it("a block set before the direct room exists applies to it", async () => {
    const [alice, bob] = await Promise.all([registerUser("dm"), registerUser("dm")]);
    expect((await call(`/v1/users/${alice.user.id}/block`, { method: "POST", token: bob.accessToken })).status).toBe(
      204,
    );
    const room = await directRoom(alice, bob);
    await expectProblem(
      await call(`/v1/rooms/${room.id}/messages`, { token: alice.accessToken, body: { clientMsgId: "a", body: "hi" } }),
      403,
      "blocked",
    );
  });

  it("validates blocks: not yourself, not a missing user, not anonymous", async () => {
    const alice = await registerUser("dm");
    await expectProblem(
      await call(`/v1/users/${alice.user.id}/block`, { method: "POST", token: alice.accessToken }),
      422,
      "cannot_block_self",
    );
    await expectProblem(
      await call(`/v1/users/${crypto.randomUUID()}/block`, { method: "POST", token: alice.accessToken }),
      404,
      "not_found",
    );
    await expectProblem(await call(`/v1/users/${alice.user.id}/block`, { method: "POST" }), 401, "unauthorized");
  });
});

// The access matrix of room routes and socket frames: anonymous (401), non-member (404),
// member, admin/owner, for groups and direct rooms. Nothing about a room leaks to a stranger.
import { describe, expect, it } from "vitest";
import { call, registerUser, type TestUser } from "../support/api";
import { directRoom, inboxSocket } from "../support/im";
import { createRoom, postMessage } from "../support/rooms";
import { upgrade } from "../support/sockets";

type Who = "anonymous" | "stranger" | "member" | "owner";

describe("access matrix", () => {
  it("every room route answers by role: anonymous 401, non-member 404, member and owner by rule", async () => {
    const [owner, member, stranger, newcomer] = await Promise.all(Array.from({ length: 4 }, () => registerUser("ax")));
    const group = await createRoom(owner!, { kind: "group", memberIds: [member!.user.id] });
    const message = await postMessage(group.id, member!, "m1", "member's message");
    const token: Record<Who, string | undefined> = {
      anonymous: undefined,
      stranger: stranger!.accessToken,
      member: member!.accessToken,
      owner: owner!.accessToken,
    };
    const routes: { name: string; run: (t: string | undefined) => Promise<Response>; expect: Record<Who, number> }[] = [
      {
        name: "GET room",
        run: (t) => call(`/v1/rooms/${group.id}`, { token: t }),
        expect: { anonymous: 401, stranger: 404, member: 200, owner: 200 },
      },
      {
        name: "GET history",
        run: (t) => call(`/v1/rooms/${group.id}/messages`, { token: t }),
        expect: { anonymous: 401, stranger: 404, member: 200, owner: 200 },
      },
      {
        name: "POST message",
        run: (t) =>
          call(`/v1/rooms/${group.id}/messages`, { token: t, body: { clientMsgId: crypto.randomUUID(), body: "x" } }),
        expect: { anonymous: 401, stranger: 404, member: 201, owner: 201 },
      },
      {
        name: "POST read",
        run: (t) => call(`/v1/rooms/${group.id}/read`, { token: t, body: { seq: 1 } }),
        expect: { anonymous: 401, stranger: 404, member: 204, owner: 204 },
      },
      {
        name: "PATCH member's message",
        run: (t) =>
          call(`/v1/rooms/${group.id}/messages/${message.seq}`, {
            method: "PATCH",
            token: t,
            body: { body: "edited" },
          }),
        expect: { anonymous: 401, stranger: 404, member: 200, owner: 403 },
      },
      {
        name: "POST members",
        run: (t) => call(`/v1/rooms/${group.id}/members`, { token: t, body: { userId: newcomer!.user.id } }),
        expect: { anonymous: 401, stranger: 404, member: 403, owner: 204 },
      },
      {
        name: "DELETE members",
        run: (t) => call(`/v1/rooms/${group.id}/members/${newcomer!.user.id}`, { method: "DELETE", token: t }),
        expect: { anonymous: 401, stranger: 404, member: 403, owner: 204 },
      },
      {
        name: "POST join (group)",
        run: (t) => call(`/v1/rooms/${group.id}/join`, { method: "POST", token: t }),
        expect: { anonymous: 401, stranger: 404, member: 204, owner: 204 },
      },
      {
        name: "DELETE member's message",
        run: (t) => call(`/v1/rooms/${group.id}/messages/${message.seq}`, { method: "DELETE", token: t }),
        // The owner moderates the room (docs/decisions/0074); the sender's delete after it finds a tombstone.
        expect: { anonymous: 401, stranger: 404, member: 204, owner: 204 },
      },
    ];
    const order: Who[] = ["anonymous", "stranger", "owner", "member"];
    for (const route of routes) {
      for (const who of order) {
        const res = await route.run(token[who]);
        expect(res.status, `${route.name} as ${who}: ${await res.text()}`).toBe(route.expect[who]);
      }
    }
  });

  it("sockets: the room socket is 401/404 for anonymous and strangers; inbox frames never reach a stranger", async () => {
    const [alice, bob, eve] = await Promise.all([registerUser("ax"), registerUser("ax"), registerUser("ax")]);
    const room = await directRoom(alice, bob);
    expect((await upgrade(`/v1/rooms/${room.id}/ws`)).status).toBe(401);
    expect((await upgrade(`/v1/rooms/${room.id}/ws`, { token: eve.accessToken })).status).toBe(404);
    expect((await upgrade("/v1/inbox/ws")).status).toBe(401);
    const eveInbox = await inboxSocket(eve.accessToken);
    const bobInbox = await inboxSocket(bob.accessToken);
    await postMessage(room.id, alice, "x1", "for bob only");
    await bobInbox.next((f) => f.type === "message");
    eveInbox.send({ type: "read", roomId: room.id, seq: 1 });
    expect(await eveInbox.next((f) => f.type === "error")).toMatchObject({ code: "not_found" });
    expect(eveInbox.received.filter((f) => f.type !== "welcome" && f.type !== "error")).toEqual([]);
    [eveInbox, bobInbox].forEach((s) => s.close());
  });

  it("a user removed from a group stops receiving its messages on the inbox", async () => {
    const [owner, member] = (await Promise.all([registerUser("ax"), registerUser("ax")])) as [TestUser, TestUser];
    const group = await createRoom(owner, { kind: "group", memberIds: [member.user.id] });
    const inbox = await inboxSocket(member.accessToken);
    expect(
      (await call(`/v1/rooms/${group.id}/members/${member.user.id}`, { method: "DELETE", token: owner.accessToken }))
        .status,
    ).toBe(204);
    expect(await inbox.next((f) => f.type === "left")).toMatchObject({ roomId: group.id });
    await postMessage(group.id, owner, "after", "not for you anymore");
    await new Promise((r) => setTimeout(r, 300));
    expect(inbox.received.some((f) => f.type === "message")).toBe(false);
    inbox.close();
  });
});

// Edits and deletes: only the sender, only within IM_EDIT_WINDOW_SECONDS; each is a log entry
// with its own seq, broadcast in order, replayed on resume, fanned out to inboxes and
// applied to the D1 archive so history shows the latest state.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Room } from "../../durable/room";
import { call, expectProblem, json, registerUser } from "../support/api";
import { directRoom, eventually, inboxSocket, myRoom } from "../support/im";
import { archivedCount, postMessage, roomObject, roomSocket, type TestMessage } from "../support/rooms";
import type { Frame } from "../support/sockets";

const seqOf = (f: Frame) => (f.type === "message" ? (f.message as TestMessage).seq : (f.seq as number));

describe("editing and deleting messages", () => {
  it("broadcasts edits and deletes as entries with their own seq, in order, and replays them on resume", async () => {
    const [alice, bob] = await Promise.all([registerUser("ed"), registerUser("ed")]);
    const room = await directRoom(alice, bob);
    const watcher = await roomSocket(room.id, bob);
    const first = await postMessage(room.id, alice, "e1", "helo");
    await postMessage(room.id, alice, "e2", "second");
    const edited = await json<TestMessage>(
      await call(`/v1/rooms/${room.id}/messages/${first.seq}`, {
        method: "PATCH",
        token: alice.accessToken,
        body: { body: "hello" },
      }),
    );
    expect(edited).toMatchObject({ seq: 1, body: "hello", editedAt: expect.any(String) });
    const sock = await roomSocket(room.id, alice);
    sock.send({ type: "delete", seq: 2 });
    const frames: Frame[] = [];
    for (let i = 0; i < 4; i++)
      frames.push(await watcher.next((f) => ["message", "edited", "deleted"].includes(f.type)));
    expect(frames.map((f) => f.type)).toEqual(["message", "message", "edited", "deleted"]);
    expect(frames.map(seqOf)).toEqual([1, 2, 3, 4]);
    expect(frames[2]).toMatchObject({ seq: 3, message: { seq: 1, body: "hello" } });
    expect(frames[3]).toMatchObject({ seq: 4, message: { seq: 2, body: "", deletedAt: expect.any(String) } });
    // Resume from 0 replays the same entries (messages in their latest state).
    const resumed = await roomSocket(room.id, bob, "?since=0");
    const replay: Frame[] = [];
    for (let i = 0; i < 4; i++)
      replay.push(await resumed.next((f) => ["message", "edited", "deleted"].includes(f.type)));
    expect(replay.map(seqOf)).toEqual([1, 2, 3, 4]);
    // History shows messages only, in their latest state; unread ignores the deleted one.
    const history = await json<{ items: TestMessage[] }>(
      await call(`/v1/rooms/${room.id}/messages`, { token: bob.accessToken }),
    );
    expect(history.items.map((m) => [m.seq, m.body])).toEqual([
      [1, "hello"],
      [2, ""],
    ]);
    expect(await eventually(async () => ((await myRoom(bob, room.id))?.unread === 1 ? true : undefined))).toBe(true);
    [watcher, sock, resumed].forEach((s) => s.close());
  });

  it("reaches inboxes: devices get edited/deleted frames and the last message preview follows", async () => {
    const [alice, bob] = await Promise.all([registerUser("ed"), registerUser("ed")]);
    const room = await directRoom(alice, bob);
    const device = await inboxSocket(bob.accessToken);
    const message = await postMessage(room.id, alice, "i1", "typo");
    await call(`/v1/rooms/${room.id}/messages/${message.seq}`, {
      method: "PATCH",
      token: alice.accessToken,
      body: { body: "fixed" },
    });
    expect(await device.next((f) => f.type === "edited")).toMatchObject({ seq: 2, message: { seq: 1, body: "fixed" } });
    expect((await myRoom(bob, room.id))!.lastMessage).toMatchObject({ seq: 1, body: "fixed" });
    expect(
      (await call(`/v1/rooms/${room.id}/messages/${message.seq}`, { method: "DELETE", token: alice.accessToken }))
        .status,
    ).toBe(204);
    expect(await device.next((f) => f.type === "deleted")).toMatchObject({ seq: 3, message: { seq: 1, body: "" } });
    expect(await device.next((f) => f.type === "unread" && f.unread === 0)).toBeTruthy();
    device.close();
  });

  it("only the sender, only within the window, never a deleted message; others see 404", async () => {
    const [alice, bob, eve] = await Promise.all([registerUser("ed"), registerUser("ed"), registerUser("ed")]);
    const room = await directRoom(alice, bob);
    const message = await postMessage(room.id, alice, "w1", "mine");
    const patch = (token: string, seq: number, body: unknown) =>
      call(`/v1/rooms/${room.id}/messages/${seq}`, { method: "PATCH", token, body });
    await expectProblem(await patch(bob.accessToken, message.seq, { body: "hacked" }), 403, "forbidden");
    await expectProblem(await patch(eve.accessToken, message.seq, { body: "hacked" }), 404, "not_found");
    await expectProblem(await patch(alice.accessToken, 99, { body: "x" }), 404, "not_found");
    await expectProblem(await patch(alice.accessToken, message.seq, { body: "" }), 400, "validation_failed");
    await expectProblem(await patch(alice.accessToken, message.seq, { body: "x".repeat(4_001) }), 422, "body_too_long");
    await expectProblem(
      await call(`/v1/rooms/${room.id}/messages/${message.seq}`, { method: "PATCH", body: { body: "x" } }),
      401,
      "unauthorized",
    );
    // Same body: nothing changes, no new entry.
    expect(await json(await patch(alice.accessToken, message.seq, { body: "mine" }))).toMatchObject({
      seq: 1,
      body: "mine",
    });
    const socket = await roomSocket(room.id, bob);
    socket.send({ type: "edit", seq: message.seq, body: "not yours" });
    expect(await socket.next((f) => f.type === "error")).toMatchObject({ code: "not_sender" });
    expect(socket.welcome.seq).toBe(1);
    // Past the window.
    await runInDurableObject(roomObject(room.id), (_: Room, state) => {
      state.storage.sql.exec("UPDATE messages SET created_at = created_at - 3600000 WHERE seq = ?", message.seq);
    });
    await expectProblem(await patch(alice.accessToken, message.seq, { body: "late" }), 422, "edit_window_closed");
    const fresh = await postMessage(room.id, alice, "w2", "fresh");
    expect(
      (await call(`/v1/rooms/${room.id}/messages/${fresh.seq}`, { method: "DELETE", token: alice.accessToken })).status,
    ).toBe(204);
    expect(
      (await call(`/v1/rooms/${room.id}/messages/${fresh.seq}`, { method: "DELETE", token: alice.accessToken })).status,
    ).toBe(204);
    await expectProblem(await patch(alice.accessToken, fresh.seq, { body: "revive" }), 409, "message_deleted");
    socket.close();
  });

  it("edits and deletes reach the D1 archive, so history paged from D1 shows the latest state", async () => {
    const [alice, bob] = await Promise.all([registerUser("ed"), registerUser("ed")]);
    const room = await directRoom(alice, bob);
    for (let i = 1; i <= 3; i++) await postMessage(room.id, alice, `a${i}`, `body ${i}`);
    await runDurableObjectAlarm(roomObject(room.id));
    expect(await archivedCount(room.id, 3)).toBe(3);
    await call(`/v1/rooms/${room.id}/messages/1`, {
      method: "PATCH",
      token: alice.accessToken,
      body: { body: "body 1, edited" },
    });
    await call(`/v1/rooms/${room.id}/messages/2`, { method: "DELETE", token: alice.accessToken });
    await runDurableObjectAlarm(roomObject(room.id));
    expect(await archivedCount(room.id, 5)).toBe(5);
    const rows = await eventually(async () => {
      const { results } = await (await import("cloudflare:workers")).env.DB.prepare(
        "SELECT seq, body, kind, edited_at IS NOT NULL AS edited, deleted_at IS NOT NULL AS deleted FROM messages WHERE room_id = ? ORDER BY seq",
      )
        .bind(room.id)
        .all<{ seq: number; body: string; kind: string; edited: number; deleted: number }>();
      return results[0]?.edited === 1 && results[1]?.deleted === 1 ? results : undefined;
    });
    expect(rows.map((r) => [r.seq, r.kind, r.body])).toEqual([
      [1, "message", "body 1, edited"],
      [2, "message", ""],
      [3, "message", "body 3"],
      [4, "edit", "body 1, edited"],
      [5, "delete", ""],
    ]);
  });
});

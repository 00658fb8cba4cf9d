// The room socket through the real Worker: order, acks, dedupe, resume, hibernation,
// presence, typing, limits and access control.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Room } from "../../durable/room";
import { call, expectProblem, json, registerUser } from "../support/api";
import {
  channelWith,
  createRoom,
  framesOf,
  postMessage,
  roomObject,
  roomSocket,
  type TestMessage,
} from "../support/rooms";
import { type Frame, upgrade } from "../support/sockets";

const send = (clientMsgId: string, body: string) => ({ type: "send", clientMsgId, body });
const seqsOf = (frames: Frame[]) => frames.map((f) => (f.message as TestMessage).seq);

describe("room socket: messages", () => {
  it("gives every socket the same messages in the same gap-free order", async () => {
    const { room, users } = await channelWith(3);
    const sockets = await Promise.all(users.map((u) => roomSocket(room.id, u)));
    expect(sockets[0]!.protocol).toBe("plaza.v1");
    for (let i = 0; i < 10; i++) sockets.forEach((s, n) => s.send(send(`m${n}-${i}`, `from ${n}: ${i}`)));
    const seen = await Promise.all(sockets.map((s) => framesOf(s, "message", 30)));
    const orders = seen.map((frames) => frames.map((f) => (f.message as TestMessage).id));
    expect(orders[1]).toEqual(orders[0]);
    expect(orders[2]).toEqual(orders[0]);
    expect(seqsOf(seen[0]!)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    sockets.forEach((s) => s.close());
  });

  it("acks only once the message is in the room's storage, then broadcasts it; a resend gets the same ack", async () => {
    const { room, users } = await channelWith(2);
    const [a, b] = await Promise.all(users.map((u) => roomSocket(room.id, u)));
    a!.send(send("c1", "hello"));
    const ack = await a!.next((f) => f.type === "ack");
    const stored = await runInDurableObject(roomObject(room.id), (_: Room, state) =>
      state.storage.sql.exec("SELECT id, body FROM messages WHERE seq = ?", ack.seq).toArray(),
    );
    expect(stored).toEqual([{ id: ack.id, body: "hello" }]);
    // The sender sees its ack before the broadcast of the same message.
    const ackIndex = a!.received.findIndex((f) => f.type === "ack");
    const msgIndex = a!.received.findIndex((f) => f.type === "message");
    expect(msgIndex === -1 || msgIndex > ackIndex).toBe(true);
    a!.send(send("c1", "hello (resent)"));
    const again = await a!.next((f) => f.type === "ack");
    expect(again).toEqual(ack);
    a!.send(send("c2", "next"));
    await a!.next((f) => f.type === "ack" && f.clientMsgId === "c2");
    // Two copies in the same instant (the same group commit) still make one message.
    a!.send(send("c3", "twice"));
    a!.send(send("c3", "twice"));
    const [first, second] = await framesOf(a!, "ack", 2);
    expect(second).toEqual(first);
    expect(first).toMatchObject({ clientMsgId: "c3", seq: 3 });
    a!.send(send("c4", "last"));
    const bodies = (await framesOf(b!, "message", 4)).map((f) => (f.message as TestMessage).body);
    expect(bodies).toEqual(["hello", "next", "twice", "last"]);
    a!.close();
    b!.close();
  });

  it("HTTP send has the socket's semantics: same seq order, broadcast, and a resend returns the original", async () => {
    const { room, users } = await channelWith(2);
    const b = await roomSocket(room.id, users[1]!);
    const first = await postMessage(room.id, users[0]!, "h1", "over http");
    const res = await call(`/v1/rooms/${room.id}/messages`, {
      token: users[0]!.accessToken,
      body: { clientMsgId: "h1", body: "changed" },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await json(res)).toEqual(first);
    const frame = await b.next((f) => f.type === "message");
    expect(frame.message).toEqual(first);
    b.send(send("h1", "socket, same clientMsgId, other sender"));
    const ack = await b.next((f) => f.type === "ack");
    expect(ack.seq).toBe(first.seq + 1); // dedupe is per sender
    b.close();
  });

  it("resumes after a gap of N messages with ?since: every missed message in order, then live, no duplicates", async () => {
    const { room, users } = await channelWith(2);
    const a = await roomSocket(room.id, users[0]!);
    for (let i = 1; i <= 3; i++) await postMessage(room.id, users[0]!, `pre${i}`, `pre ${i}`);
    const b = await roomSocket(room.id, users[1]!);
    expect(b.welcome.seq).toBe(3);
    b.close();
    const N = 25;
    for (let i = 1; i <= N; i++) a.send(send(`gap${i}`, `gap ${i}`));
    await framesOf(a, "ack", N);
    const resumed = await roomSocket(room.id, users[1]!, "?since=3");
    await postMessage(room.id, users[0]!, "live", "live one");
    const frames = await framesOf(resumed, "message", N + 1);
    expect(seqsOf(frames)).toEqual(Array.from({ length: N + 1 }, (_, i) => 4 + i));
    await new Promise((r) => setTimeout(r, 100));
    expect(resumed.received.filter((f) => f.type === "message")).toHaveLength(N + 1);
    a.close();
    resumed.close();
  });

  it("answers resync when since is ahead of the log or from another epoch", async () => {
    const { room, users } = await channelWith(1);
    await postMessage(room.id, users[0]!, "x", "x");
    const ahead = await roomSocket(room.id, users[0]!, "?since=99");
    expect(await ahead.next()).toEqual({ type: "resync", reason: "ahead_of_log" });
    const epoch = ahead.welcome.epoch as string;
    const other = await roomSocket(room.id, users[0]!, "?since=0&epoch=not-this-one");
    expect(await other.next()).toEqual({ type: "resync", reason: "epoch_changed" });
    const same = await roomSocket(room.id, users[0]!, `?since=0&epoch=${epoch}`);
    expect((await same.next()).type).toBe("message");
    [ahead, other, same].forEach((s) => s.close());
  });

  it("survives hibernation: sockets keep their identity and the room its state", async () => {
    const { room, users } = await channelWith(2);
    const [a, b] = await Promise.all(users.map((u) => roomSocket(room.id, u)));
    a!.send(send("before", "before eviction"));
    await a!.next((f) => f.type === "ack");
    await evictDurableObject(roomObject(room.id));
    b!.send(send("after", "after eviction"));
    const ack = await b!.next((f) => f.type === "ack");
    expect(ack.seq).toBe(2);
    const message = (await a!.next((f) => f.type === "message" && (f.message as TestMessage).seq === 2))
      .message as TestMessage;
    expect(message.sender).toEqual({ id: users[1]!.user.id, username: users[1]!.user.username });
    const third = await roomSocket(room.id, users[0]!);
    expect((third.welcome.online as string[]).sort()).toEqual(users.map((u) => u.user.id).sort());
    [a, b, third].forEach((s) => s!.close());
  });
});

describe("room socket: presence and typing", () => {
  it("announces online on a user's first socket and offline when their last one closes", async () => {
    const { room, users } = await channelWith(2);
    const a = await roomSocket(room.id, users[0]!);
    expect(a.welcome.online).toEqual([users[0]!.user.id]);
    const b1 = await roomSocket(room.id, users[1]!);
    expect(await a.next((f) => f.type === "presence")).toEqual({
      type: "presence",
      userId: users[1]!.user.id,
      status: "online",
    });
    const b2 = await roomSocket(room.id, users[1]!);
    b1.close();
    b2.close();
    expect(await a.next((f) => f.type === "presence")).toEqual({
      type: "presence",
      userId: users[1]!.user.id,
      status: "offline",
    });
    expect(a.received.filter((f) => f.type === "presence")).toHaveLength(2);
    a.close();
  });

  it("closes a socket silent past the idle timeout (4008) and announces it offline", async () => {
    const { room, users } = await channelWith(2);
    const a = await roomSocket(room.id, users[0]!);
    const b = await roomSocket(room.id, users[1]!);
    await a.next((f) => f.type === "presence");
    a.send({ type: "ping" }); // a stays alive
    await a.next((f) => f.type === "pong");
    await runInDurableObject(roomObject(room.id), (_: Room, state) => {
      for (const ws of state.getWebSockets(`user:${users[1]!.user.id}`)) {
        const attachment = ws.deserializeAttachment() as { connectedAt: number; seenAt: number };
        ws.serializeAttachment({ ...attachment, connectedAt: 0, seenAt: 0 });
      }
    });
    expect(await runDurableObjectAlarm(roomObject(room.id))).toBe(true);
    expect(await b.closed).toMatchObject({ code: 4008 });
    expect(await a.next((f) => f.type === "presence")).toEqual({
      type: "presence",
      userId: users[1]!.user.id,
      status: "offline",
    });
    expect(a.ws.readyState).toBe(WebSocket.OPEN);
    a.close();
  });

  it("relays typing to others, at most once per throttle window", async () => {
    const { room, users } = await channelWith(2);
    const [a, b] = await Promise.all(users.map((u) => roomSocket(room.id, u)));
    a!.send({ type: "typing" });
    a!.send({ type: "typing" });
    a!.send(send("t", "typed"));
    await b!.next((f) => f.type === "message");
    expect(b!.received.filter((f) => f.type === "typing")).toEqual([{ type: "typing", userId: users[0]!.user.id }]);
    expect(a!.received.some((f) => f.type === "typing")).toBe(false);
    a!.close();
    b!.close();
  });

  it("keeps read cursors: welcome carries mine, and a cursor past the log is an error frame", async () => {
    // Another member writes: a sender's own messages move their cursor (docs/decisions/0071).
    const { room, users } = await channelWith(2);
    for (let i = 1; i <= 3; i++) await postMessage(room.id, users[1]!, `r${i}`, `r${i}`);
    const a = await roomSocket(room.id, users[0]!);
    expect(a.welcome.readSeq).toBe(0);
    a.send({ type: "read", seq: 2 });
    a.send({ type: "read", seq: 1 }); // never moves back
    a.send({ type: "read", seq: 9 });
    expect(await a.next((f) => f.type === "error")).toMatchObject({ code: "seq_ahead" });
    a.close();
    const again = await roomSocket(room.id, users[0]!);
    expect(again.welcome.readSeq).toBe(2);
    again.close();
  });
});

describe("room socket: limits and bad frames", () => {
  it("answers malformed frames with error frames and keeps working; an oversized frame closes with 1009", async () => {
    const { room, users } = await channelWith(1);
    const a = await roomSocket(room.id, users[0]!);
    for (const bad of [
      "not json",
      "{}",
      '{"type":"send"}',
      '{"type":"send","clientMsgId":"x","body":""}',
      '{"type":"nope"}',
      "[1,2]",
      "null",
    ]) {
      a.send(bad);
      expect(await a.next()).toMatchObject({ type: "error", code: "invalid_frame" });
    }
    a.ws.send(new Uint8Array([1, 2, 3]));
    expect(await a.next()).toMatchObject({ type: "error", code: "invalid_frame" });
    a.send(send("long", "x".repeat(4_001)));
    expect(await a.next()).toMatchObject({ type: "error", code: "body_too_long" });
    a.send(send("ok", "still fine"));
    expect(await a.next((f) => f.type === "ack")).toMatchObject({ clientMsgId: "ok", seq: 1 });
    a.send("x".repeat(20_000));
    expect(await a.closed).toMatchObject({ code: 1009 });
    const b = await roomSocket(room.id, users[0]!);
    b.send(send("after", "the room survived"));
    expect(await b.next((f) => f.type === "ack")).toMatchObject({ seq: 2 });
    b.close();
  });

  it("names the refused send's clientMsgId in its error frame", async () => {
    const { room, users } = await channelWith(1);
    const a = await roomSocket(room.id, users[0]!);
    a.send(send("too-long", "x".repeat(4_001)));
    expect(await a.next()).toMatchObject({ type: "error", code: "body_too_long", clientMsgId: "too-long" });
    a.close();
  });

  it("refuses whitespace-only bodies (body_empty) and counts a body's length in code points", async () => {
    const { room, users } = await channelWith(1);
    const a = await roomSocket(room.id, users[0]!);
    a.send(send("blank", " \n\t "));
    expect(await a.next()).toMatchObject({ type: "error", code: "body_empty", clientMsgId: "blank" });
    const res = await call(`/v1/rooms/${room.id}/messages`, {
      token: users[0]!.accessToken,
      body: { clientMsgId: "blank-http", body: "   " },
    });
    await expectProblem(res, 422, "body_empty");
    // 4,000 emoji are 4,000 characters (8,000 UTF-16 units): at the limit, accepted.
    a.send(send("emoji", "😀".repeat(4_000)));
    expect(await a.next()).toMatchObject({ type: "ack", clientMsgId: "emoji" });
    a.send(send("emoji-long", "😀".repeat(4_001)));
    expect(await a.next((f) => f.type === "error")).toMatchObject({ code: "body_too_long", clientMsgId: "emoji-long" });
    a.close();
  });

  it("rate-limits a flooding socket: error frames first, then close 4029", async () => {
    const { room, users } = await channelWith(1);
    const a = await roomSocket(room.id, users[0]!);
    for (let i = 0; i < 120; i++) a.send({ type: "typing" });
    expect(await a.next((f) => f.type === "error")).toMatchObject({ code: "rate_limited" });
    expect(await a.closed).toMatchObject({ code: 4029 });
  });
});

describe("room socket: access", () => {
  it("refuses non-members (404), a bad Origin (403), and tokens in the URL", async () => {
    const { room, users } = await channelWith(1);
    const stranger = await registerUser("rm");
    await expectProblem(await upgrade(`/v1/rooms/${room.id}/ws`, { token: stranger.accessToken }), 404, "not_found");
    await expectProblem(
      await upgrade(`/v1/rooms/${crypto.randomUUID()}/ws`, { token: stranger.accessToken }),
      404,
      "not_found",
    );
    await expectProblem(
      await upgrade(`/v1/rooms/${room.id}/ws`, { token: users[0]!.accessToken, origin: "https://evil.example" }),
      403,
      "forbidden",
    );
    const inUrl = await call(`/v1/rooms/${room.id}/ws?token=${users[0]!.accessToken}`, {
      headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": "plaza.v1" },
    });
    await expectProblem(inUrl, 401, "unauthorized");
    await expectProblem(
      await upgrade(`/v1/rooms/${room.id}/ws?since=-1`, { token: users[0]!.accessToken }),
      400,
      "validation_failed",
    );
  });

  it("closes a removed member's sockets (4003) and refuses them afterwards", async () => {
    const owner = await registerUser("rm");
    const member = await registerUser("rm");
    const room = await createRoom(owner, { kind: "group", memberIds: [member.user.id] });
    const o = await roomSocket(room.id, owner);
    const m = await roomSocket(room.id, member);
    await o.next((f) => f.type === "presence");
    const res = await call(`/v1/rooms/${room.id}/members/${member.user.id}`, {
      method: "DELETE",
      token: owner.accessToken,
    });
    expect(res.status).toBe(204);
    expect(await m.closed).toMatchObject({ code: 4003 });
    expect(await o.next((f) => f.type === "presence")).toMatchObject({ userId: member.user.id, status: "offline" });
    await expectProblem(await upgrade(`/v1/rooms/${room.id}/ws`, { token: member.accessToken }), 404, "not_found");
    const post = await call(`/v1/rooms/${room.id}/messages`, {
      token: member.accessToken,
      body: { clientMsgId: "x", body: "x" },
    });
    await expectProblem(post, 404, "not_found");
    o.close();
  });

  it("leaving closes my sockets in the room (4003)", async () => {
    const { room, users } = await channelWith(2);
    const b = await roomSocket(room.id, users[1]!);
    expect((await call(`/v1/rooms/${room.id}/leave`, { method: "POST", token: users[1]!.accessToken })).status).toBe(
      204,
    );
    expect(await b.closed).toMatchObject({ code: 4003 });
  });

  it("logout closes that session's room sockets (4001) and leaves other sessions connected", async () => {
    const { room, users } = await channelWith(1);
    const u = users[0]!;
    const second = await json<{ accessToken: string }>(
      await call("/v1/auth/login", { body: { username: u.user.username, password: u.password } }),
    );
    const leaving = await roomSocket(room.id, u);
    const staying = await roomSocket(room.id, { ...u, accessToken: second.accessToken });
    expect((await call("/v1/auth/logout", { method: "POST", token: u.accessToken })).status).toBe(204);
    expect(await leaving.closed).toMatchObject({ code: 4001 });
    staying.send(send("still", "here"));
    expect(await staying.next((f) => f.type === "ack")).toMatchObject({ clientMsgId: "still" });
    staying.close();
  });
});

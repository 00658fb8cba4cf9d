// Flood control of a room through the real Worker (docs/decisions/0070): one send budget per
// user per room, shared by every socket of the user and by HTTP sends, kept across
// reconnects; upgrades limited per user; a flooder hears when to come back (`retryAfter`).
import { describe, expect, it } from "vitest";
import { call, expectProblem, registerUser } from "../support/api";
import { channelWith, roomSocket } from "../support/rooms";
import { upgrade } from "../support/sockets";

const send = (clientMsgId: string, body: string) => ({ type: "send", clientMsgId, body });
/** ROOM_SEND_BURST in wrangler.toml: the budget a user starts with. */
const BURST = 40;

describe("room flood control", () => {
  it("closes a flooder with 4029 and says when to come back: an error frame and the close reason carry retryAfter", async () => {
    const { room, users } = await channelWith(1);
    const a = await roomSocket(room.id, users[0]!);
    for (let i = 0; i < 3 * BURST; i++) a.send({ type: "typing" });
    const error = await a.next((f) => f.type === "error");
    expect(error).toMatchObject({ code: "rate_limited" });
    expect(error.retryAfter).toEqual(expect.any(Number));
    expect(error.retryAfter as number).toBeGreaterThanOrEqual(1);
    const closed = await a.closed;
    expect(closed.code).toBe(4029);
    expect(closed.reason).toMatch(/^rate_limited; retryAfter=\d+$/);
  });

  it("keeps the budget across reconnects: a new socket of a user who was just closed is still limited", async () => {
    const { room, users } = await channelWith(1);
    const a = await roomSocket(room.id, users[0]!);
    for (let i = 0; i < 3 * BURST; i++) a.send(send(`flood-${i}`, `flood ${i}`));
    expect((await a.closed).code).toBe(4029);
    const b = await roomSocket(room.id, users[0]!);
    b.send(send("after-reconnect", "one more"));
    const answer = await b.next((f) => f.type === "ack" || f.type === "error");
    expect(answer).toMatchObject({ type: "error", code: "rate_limited", clientMsgId: "after-reconnect" });
    b.close();
  });

  it("counts socket and HTTP sends in one budget: a user limited on the socket gets 429 over HTTP", async () => {
    const { room, users } = await channelWith(1);
    const a = await roomSocket(room.id, users[0]!);
    for (let i = 0; i < BURST + 2; i++) a.send(send(`s-${i}`, `socket ${i}`));
    await a.next((f) => f.type === "error" && f.code === "rate_limited");
    const res = await call(`/v1/rooms/${room.id}/messages`, {
      token: users[0]!.accessToken,
      body: { clientMsgId: "http-1", body: "over http" },
    });
    const problem = await expectProblem(res, 429, "rate_limited");
    expect(Number(res.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(problem.retryAfter).toEqual(expect.any(Number));
    a.close();
  });

  it("limits socket upgrades per user (room, inbox and task sockets alike) with 429 and Retry-After", async () => {
    const u = await registerUser("up");
    const other = await registerUser("up");
    let refused: Response | undefined;
    for (let i = 0; i < 80 && !refused; i++) {
      const res = await upgrade("/v1/inbox/ws", { token: u.accessToken });
      if (res.status === 101) res.webSocket?.accept();
      if (res.status === 101) res.webSocket?.close(1000, "test");
      else refused = res;
    }
    expect(refused, "no upgrade was refused").toBeDefined();
    await expectProblem(refused!, 429, "rate_limited");
    expect(refused!.headers.get("Retry-After")).toMatch(/^\d+$/);
    // Another user is not affected.
    const res = await upgrade("/v1/inbox/ws", { token: other.accessToken });
    expect(res.status).toBe(101);
    res.webSocket?.accept();
    res.webSocket?.close(1000, "test");
  });
});

// The first version of the Room object, exercised directly through its stub (TaskRun: task-run.test.ts).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { identityHeaders } from "../../src/shared/identity";

async function roomSocket(roomName: string, userId: string) {
  const stub = env.ROOM.get(env.ROOM.idFromName(roomName));
  const res = await stub.fetch("http://room/ws", {
    headers: { Upgrade: "websocket", "X-Plaza-Room-Id": roomName, ...identityHeaders({ userId, username: userId, sid: `s-${userId}` }) },
  });
  const ws = res.webSocket!;
  ws.accept();
  const frames: Record<string, unknown>[] = [];
  ws.addEventListener("message", (e) => {
    frames.push(JSON.parse(e.data as string));
  });
  return { ws, frames, status: res.status, protocol: res.headers.get("Sec-WebSocket-Protocol") };
}

const until = async (check: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("Room", () => {
  it("refuses requests without the Worker's identity", async () => {
    const res = await env.ROOM.get(env.ROOM.idFromName("x")).fetch("http://room/ws", { headers: { Upgrade: "websocket" } });
    expect(res.status).toBe(400);
  });

  it("acks each message with the next seq after storing it, broadcasts it, and dedupes clientMsgId", async () => {
    const room = crypto.randomUUID();
    const a = await roomSocket(room, "alice");
    const b = await roomSocket(room, "bob");
    expect(a.protocol).toBe("plaza.v1");
    a.ws.send(JSON.stringify({ type: "send", clientMsgId: "c1", body: "hello" }));
    a.ws.send(JSON.stringify({ type: "send", clientMsgId: "c2", body: "again" }));
    a.ws.send(JSON.stringify({ type: "send", clientMsgId: "c1", body: "hello (resent)" }));
    await until(() => a.frames.filter((f) => f.type === "ack").length === 3 && b.frames.length === 2);
    const acks = a.frames.filter((f) => f.type === "ack");
    expect(acks.map((f) => [f.clientMsgId, f.seq])).toEqual([["c1", 1], ["c2", 2], ["c1", 1]]);
    expect(acks[2]!.id).toBe(acks[0]!.id);
    expect(b.frames.map((f) => (f.message as { seq: number; body: string }).body)).toEqual(["hello", "again"]);
  });

  it("answers malformed and oversized frames without crashing", async () => {
    const room = crypto.randomUUID();
    const a = await roomSocket(room, "carol");
    a.ws.send("not json");
    a.ws.send(JSON.stringify({ type: "send", clientMsgId: "x", body: "" }));
    await until(() => a.frames.length === 2);
    expect(a.frames.every((f) => f.type === "error")).toBe(true);
    const closed = new Promise<number>((r) => a.ws.addEventListener("close", (e) => r(e.code)));
    a.ws.send("x".repeat(20_000));
    expect(await closed).toBe(1009);
    const again = await roomSocket(room, "carol");
    again.ws.send(JSON.stringify({ type: "send", clientMsgId: "ok", body: "still alive" }));
    await until(() => again.frames.some((f) => f.type === "ack"));
  });
});

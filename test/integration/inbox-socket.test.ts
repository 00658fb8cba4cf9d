// The inbox socket: authenticated by subprotocol, Origin-checked, reaches every device,
// and closes when its session logs out.
import { listDurableObjectIds } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE, call, expectProblem, json, registerUser } from "../support/api";
import { openSocket, upgrade } from "../support/sockets";

const inbox = (userId: string) => env.INBOX.get(env.INBOX.idFromName(userId));

describe("GET /v1/inbox/ws", () => {
  it("upgrades with the plaza.v1 subprotocol and the token as bearer.<token>", async () => {
    const u = await registerUser("ws");
    const socket = await openSocket("/v1/inbox/ws", { token: u.accessToken });
    expect(socket.protocol).toBe("plaza.v1");
    socket.close();
  });

  it("refuses a missing, bad or logged-out token with 401", async () => {
    const u = await registerUser("ws");
    await expectProblem(await upgrade("/v1/inbox/ws"), 401, "unauthorized");
    await expectProblem(await upgrade("/v1/inbox/ws", { token: "not.a.token" }), 401, "unauthorized");
    await expectProblem(await upgrade("/v1/inbox/ws", { protocols: [`bearer.${u.accessToken}`] }), 401, "unauthorized");
    await call("/v1/auth/logout", { method: "POST", token: u.accessToken });
    await expectProblem(await upgrade("/v1/inbox/ws", { token: u.accessToken }), 401, "unauthorized");
  });

  it("never accepts a token in the URL", async () => {
    const u = await registerUser("ws");
    const res = await call(`/v1/inbox/ws?token=${u.accessToken}&access_token=${u.accessToken}`, {
      headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": "plaza.v1" },
    });
    await expectProblem(res, 401, "unauthorized");
  });

  it("refuses an Origin that is not allowed with 403, accepts an allowed one", async () => {
    const u = await registerUser("ws");
    await expectProblem(
      await upgrade("/v1/inbox/ws", { token: u.accessToken, origin: "https://evil.example" }),
      403,
      "forbidden",
    );
    const ok = await openSocket("/v1/inbox/ws", { token: u.accessToken, origin: "http://127.0.0.1:8787" });
    ok.close();
  });

  it("an empty Origin is not taken for no Origin when the client is a browser: 403 (also the opaque null)", async () => {
    const u = await registerUser("ws");
    const headers = {
      Upgrade: "websocket",
      "Sec-WebSocket-Protocol": `plaza.v1, bearer.${u.accessToken}`,
    };
    // workerd drops a header with an empty value before the Worker sees it, so "Origin:" arrives
    // as no Origin; a browser (it sends Sec-Fetch-Site) always sends a real one, so one without is refused.
    const browser = { "Sec-Fetch-Mode": "websocket", "Sec-Fetch-Site": "cross-site" };
    for (const extra of [
      { Origin: "", ...browser },
      { Origin: " ", ...browser },
      { ...browser },
      { "Sec-Fetch-Site": "none" },
      { Origin: "null" },
    ] as Record<string, string>[]) {
      const res = await call("/v1/inbox/ws", { headers: { ...headers, ...extra } });
      await expectProblem(res, 403, "forbidden");
    }
    // A client that is not a browser sends no Origin and no Sec-Fetch-Site: accepted as before.
    const plain = await openSocket("/v1/inbox/ws", { token: u.accessToken });
    plain.close();
    // Node's own WebSocket (undici) sends Sec-Fetch-Mode: websocket but no Origin and no
    // Sec-Fetch-Site: it is not a browser and must be accepted.
    const node = await call("/v1/inbox/ws", { headers: { ...headers, "Sec-Fetch-Mode": "websocket" } });
    expect(node.status).toBe(101);
    node.webSocket?.accept();
    node.webSocket?.close();
  });

  it("accepts the server's own origin even when ALLOWED_ORIGINS does not list it", async () => {
    const u = await registerUser("ws");
    // BASE (http://plaza.test) is not on ALLOWED_ORIGINS; a page served from it is Plaza's own app.
    const own = await openSocket("/v1/inbox/ws", { token: u.accessToken, origin: new URL(BASE).origin });
    own.close();
    await expectProblem(
      await upgrade("/v1/inbox/ws", { token: u.accessToken, origin: "http://plaza.test.evil.example" }),
      403,
      "forbidden",
    );
  });

  it("a plain GET is 426 upgrade_required", async () => {
    const u = await registerUser("ws");
    await expectProblem(await call("/v1/inbox/ws", { token: u.accessToken }), 426, "upgrade_required");
  });

  it("delivers a notification to every device of the user and to no one else", async () => {
    const u = await registerUser("dev");
    const other = await registerUser("dev");
    const login = await json<{ accessToken: string }>(
      await call("/v1/auth/login", { body: { username: u.user.username, password: u.password, deviceId: "laptop" } }),
    );
    const phone = await openSocket("/v1/inbox/ws", { token: u.accessToken });
    const laptop = await openSocket("/v1/inbox/ws", { token: login.accessToken });
    const stranger = await openSocket("/v1/inbox/ws", { token: other.accessToken });
    const reached = await inbox(u.user.id).notify({ type: "unread", roomId: "r1", unread: 3 });
    expect(reached).toBe(2);
    for (const device of [phone, laptop]) {
      expect(await device.next((f) => f.type !== "welcome")).toEqual({ type: "unread", roomId: "r1", unread: 3 });
    }
    expect(stranger.received.filter((f) => f.type !== "welcome")).toHaveLength(0);
    [phone, laptop, stranger].forEach((s) => s.close());
  });

  it("greets with welcome, answers a ping with a pong and an unknown frame with an error frame", async () => {
    const u = await registerUser("ping");
    const socket = await openSocket("/v1/inbox/ws", { token: u.accessToken });
    // The first frame is `welcome`; the socket also takes `read` frames, so others are invalid.
    expect(await socket.next()).toMatchObject({ type: "welcome", rooms: [] });
    socket.send({ type: "ping" });
    expect(await socket.next()).toEqual({ type: "pong" });
    socket.send("garbage");
    expect(await socket.next()).toMatchObject({ type: "error", code: "invalid_frame" });
    socket.close();
  });

  it("answers a read of a room not on my list with not_found and never opens a Room object for it", async () => {
    const u = await registerUser("junk");
    const socket = await openSocket("/v1/inbox/ws", { token: u.accessToken });
    await socket.next((f) => f.type === "welcome");
    const junk = `junk-${crypto.randomUUID()}`;
    socket.send({ type: "read", roomId: junk, seq: 1 });
    expect(await socket.next()).toMatchObject({ type: "error", code: "not_found" });
    const junkId = env.ROOM.idFromName(junk);
    const ids = await listDurableObjectIds(env.ROOM);
    expect(ids.some((id) => id.equals(junkId))).toBe(false);
    socket.close();
  });

  it("logout closes that session's sockets (4001) and leaves other sessions connected", async () => {
    const u = await registerUser("out");
    const second = await json<{ accessToken: string }>(
      await call("/v1/auth/login", { body: { username: u.user.username, password: u.password } }),
    );
    const leaving = await openSocket("/v1/inbox/ws", { token: u.accessToken });
    const staying = await openSocket("/v1/inbox/ws", { token: second.accessToken });
    expect((await call("/v1/auth/logout", { method: "POST", token: u.accessToken })).status).toBe(204);
    expect(await leaving.closed).toMatchObject({ code: 4001 });
    expect(await inbox(u.user.id).connectedDevices()).toBe(1);
    staying.send({ type: "ping" });
    expect(await staying.next((f) => f.type !== "welcome")).toEqual({ type: "pong" });
    staying.close();
  });
});

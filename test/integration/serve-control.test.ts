// ServeControl, the stop sequence of a local server: sockets close with 1001, work in flight
// is counted, and once draining every new HTTP request is refused with 503 shutting_down.
// Draining cannot be undone, so it is the last test of this file (each file has its own isolate).
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem, registerUser } from "../support/api";
import { createRoom, roomSocket } from "../support/rooms";
import { openSocket } from "../support/sockets";

const control = exports.ServeControl;

describe("ServeControl", () => {
  it("closes every inbox socket with 1001 and forgets the objects it closed", async () => {
    const a = await registerUser("bye");
    const b = await registerUser("bye");
    const sockets = await Promise.all([
      openSocket("/v1/inbox/ws", { token: a.accessToken }),
      openSocket("/v1/inbox/ws", { token: a.accessToken }),
      openSocket("/v1/inbox/ws", { token: b.accessToken }),
    ]);
    let closedSockets = 0;
    for (let round = 0; round < 10; round++) {
      const report = await control.goingAway(1);
      closedSockets += report.sockets;
      expect(report.failed).toBe(0);
      if (report.remaining === 0) break;
    }
    expect(closedSockets).toBe(3);
    for (const socket of sockets) expect(await socket.closed).toMatchObject({ code: 1001 });
    expect(await env.INBOX.get(env.INBOX.idFromName(a.user.id)).connectedDevices()).toBe(0);
    expect(await control.goingAway(100)).toEqual({ objects: 0, sockets: 0, failed: 0, remaining: 0 });
  });

  it("closes room sockets with 1001 too", async () => {
    const owner = await registerUser("room");
    const room = await createRoom(owner, { kind: "channel", name: "going away" });
    const sockets = [await roomSocket(room.id, owner), await roomSocket(room.id, owner)];
    let closedSockets = 0;
    for (let round = 0; round < 10; round++) {
      const report = await control.goingAway(100);
      closedSockets += report.sockets;
      if (report.remaining === 0) break;
    }
    expect(closedSockets).toBe(2);
    for (const socket of sockets) expect(await socket.closed).toMatchObject({ code: 1001 });
  });

  it("forgets an object once its last socket closes by itself", async () => {
    const u = await registerUser("idle");
    const socket = await openSocket("/v1/inbox/ws", { token: u.accessToken });
    socket.close(1000);
    await socket.closed;
    const inbox = env.INBOX.get(env.INBOX.idFromName(u.user.id));
    for (let i = 0; i < 50 && (await inbox.connectedDevices()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await control.goingAway(100)).toEqual({ objects: 0, sockets: 0, failed: 0, remaining: 0 });
  });

  it("counts nothing in flight when idle", async () => {
    expect(await control.inFlight()).toBe(0);
  });

  it("refuses new requests with 503 shutting_down once draining", async () => {
    expect((await call("/healthz")).status).toBe(200);
    await control.drain();
    const res = await call("/healthz");
    expect(res.headers.get("Retry-After")).toBe("5");
    const problem = await expectProblem(res, 503, "shutting_down");
    expect(problem.detail).toMatch(/retry/i);
    await expectProblem(await call("/v1/me"), 503, "shutting_down");
  });
});

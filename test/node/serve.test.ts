// `npm start` end to end: a real server built by wrangler and served on Miniflare, on a free
// port with its own state directory. It registers, reads /v1/me, posts, chats in a room,
// holds an inbox socket, sees crons run by themselves (and the hot list change), logs one readable line per request, stops cleanly on SIGTERM (running
// requests answered, sockets closed with 1001), shares its state with `wrangler dev` both
// ways, and finds the data again after a restart.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type RunningServer, startServer, startWranglerDev } from "./support/serve.ts";

const PASSWORD = "correct horse battery staple";
let ipCounter = 0;
const freshIp = () => `10.77.${(++ipCounter >> 8) & 255}.${ipCounter & 255}`;

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "CF-Connecting-IP": freshIp(), ...headers },
    body: JSON.stringify(body),
  });
}

interface Session {
  user: { id: string; username: string };
  accessToken: string;
}

function openInbox(url: string, token: string): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  const ws = new WebSocket(`${url.replace("http", "ws")}/v1/inbox/ws`, ["plaza.v1", `bearer.${token}`]);
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve({ ws, closed }));
    ws.once("error", reject);
  });
}

describe("npm start (Plaza on Miniflare)", () => {
  let state: string;
  let server: RunningServer;
  let alice: Session;
  const username = `serve_${Date.now().toString(36)}`;

  beforeAll(async () => {
    state = await mkdtemp(path.join(tmpdir(), "plaza-serve-test-"));
    server = await startServer(["--persist-to", state, "--no-seed", "--cron-every", "1"]);
  });

  afterAll(async () => {
    await server?.stop("SIGKILL");
    await rm(state, { recursive: true, force: true });
  });

  it("serves the Worker and the static assets: /, health, register, /v1/me", async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("Content-Type")).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<!doctype html>/i);
    expect(await (await fetch(`${server.url}/healthz`)).json()).toMatchObject({ ok: true });
    const res = await post(`${server.url}/v1/auth/register`, { username, password: PASSWORD });
    expect(res.status, await res.clone().text()).toBe(201);
    alice = (await res.json()) as Session;
    const me = await fetch(`${server.url}/v1/me`, { headers: { Authorization: `Bearer ${alice.accessToken}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: alice.user.id, username });
  });

  it("answers the same whether a path takes the direct route or the assets router", async () => {
    // /healthz takes the direct route; with a query string it goes through the router, which
    // sends it to the Worker too. A path outside run_worker_first that is not an asset also
    // reaches the Worker (its 404), and an unknown /v1 path is the Worker's as well.
    const direct = await fetch(`${server.url}/healthz`);
    const routed = await fetch(`${server.url}/healthz?probe=1`);
    expect([direct.status, routed.status]).toEqual([200, 200]);
    expect(await routed.json()).toEqual(await direct.json());
    expect(routed.headers.get("X-Content-Type-Options")).toBe("nosniff");
    for (const path of ["/no-such-page", "/v1/no-such-route"]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("Content-Type"), path).toMatch(/application\/problem\+json/);
    }
    const script = await fetch(`${server.url}/index.html`);
    expect(script.status).toBeLessThan(400);
  });

  it("logs one readable line per request", async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of ids) await fetch(`${server.url}/healthz`, { headers: { "X-Request-Id": id } });
    for (const id of ids) {
      const line = await server.waitForLine(new RegExp(id));
      expect(line).toMatch(
        new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  worker  GET /healthz 200 \\d+ms requestId=${id}$`),
      );
      expect(server.lines.filter((l) => l.includes(id))).toHaveLength(1);
    }
  });

  it("fires the crons by itself and logs each run", async () => {
    await server.waitForLine(/INFO {2}worker {2}cron sweep done cron="\*\/5 \* \* \* \*" sweep=sessions/);
    await server.waitForLine(/INFO {2}serve {3}cron run .*cron="\*\/5 \* \* \* \*".*outcome=ok/);
  });

  let postId: string;

  it("creates a post and reads it back", async () => {
    const auth = { Authorization: `Bearer ${alice.accessToken}` };
    const created = await post(`${server.url}/v1/posts`, { content: "hello from the serve test" }, auth);
    expect(created.status, await created.clone().text()).toBe(201);
    postId = ((await created.json()) as { id: string }).id;
    const read = await fetch(`${server.url}/v1/posts/${postId}`, { headers: auth });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({
      id: postId,
      content: "hello from the serve test",
      author: { id: alice.user.id },
    });
  });

  it("opens a room socket, gets its welcome frame, and sends a message that is acked", async () => {
    const auth = { Authorization: `Bearer ${alice.accessToken}` };
    const created = await post(`${server.url}/v1/rooms`, { kind: "channel", name: "serve test" }, auth);
    expect(created.status, await created.clone().text()).toBe(201);
    const roomId = ((await created.json()) as { id: string }).id;
    const ws = new WebSocket(`${server.url.replace("http", "ws")}/v1/rooms/${roomId}/ws`, [
      "plaza.v1",
      `bearer.${alice.accessToken}`,
    ]);
    const frames: { type: string; [k: string]: unknown }[] = [];
    ws.on("message", (data) => frames.push(JSON.parse(String(data)) as { type: string }));
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    const until = async (check: () => boolean) => {
      for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(check()).toBe(true);
    };
    await until(() => frames.length > 0);
    expect(frames[0]).toMatchObject({ type: "welcome", roomId, seq: 0 });
    ws.send(JSON.stringify({ type: "send", clientMsgId: "serve-1", body: "hi" }));
    await until(() => frames.some((f) => f.type === "ack"));
    expect(frames.find((f) => f.type === "ack")).toMatchObject({ clientMsgId: "serve-1", seq: 1 });
    ws.close(1000);
  });

  it("a cron run puts a liked post on the hot list", async () => {
    const auth = { Authorization: `Bearer ${alice.accessToken}` };
    const hot = async () =>
      (await (await fetch(`${server.url}/v1/feed/hot`, { headers: auth })).json()) as {
        items: { id: string }[];
        refreshedAt: string | null;
      };
    const before = await hot();
    expect(before.items.map((p) => p.id)).not.toContain(postId);
    expect((await post(`${server.url}/v1/posts/${postId}/like`, {}, auth)).status).toBe(200);
    // The like reaches the counters through the EVENTS queue (<= 5 s); the cron (every second here) rescores.
    let after = before;
    for (let i = 0; i < 60 && !after.items.some((p) => p.id === postId); i++) {
      await new Promise((r) => setTimeout(r, 500));
      after = await hot();
    }
    expect(after.items.map((p) => p.id)).toContain(postId);
    expect(Date.parse(after.refreshedAt ?? "")).toBeGreaterThan(Date.parse(before.refreshedAt ?? "1970-01-01"));
    await server.waitForLine(/INFO {2}worker {2}cron sweep done .*sweep=hotList/);
  });

  it("stops cleanly on SIGTERM: running requests are answered, sockets close with 1001", async () => {
    const inbox = await openInbox(server.url, alice.accessToken);
    // Logins hash a password (100,000 PBKDF2 rounds), so some are still running when the signal lands.
    const logins = Array.from({ length: 6 }, () =>
      post(`${server.url}/v1/auth/login`, { username, password: PASSWORD }),
    );
    await new Promise((r) => setTimeout(r, 30));
    const exitCode = server.stop("SIGTERM");
    const statuses = await Promise.all(logins.map((res) => res.then((r) => r.status)));
    for (const status of statuses) expect([200, 503]).toContain(status);
    expect(await inbox.closed).toBe(1001);
    expect(await exitCode).toBe(0);
    // Logins already running when the stop began were answered, not cut off.
    const stopping = server.lines.findIndex((l) => / serve {3}stopping reason=SIGTERM/.test(l));
    expect(stopping).toBeGreaterThan(-1);
    expect(server.lines.slice(stopping).some((l) => /worker {2}POST \/v1\/auth\/login 200 /.test(l))).toBe(true);
    expect(server.lines.some((l) => / serve {3}stopped .*socketsClosed=1/.test(l))).toBe(true);
  });

  it("shares its state with wrangler dev, both ways", async () => {
    const dev = await startWranglerDev(["--persist-to", state]);
    try {
      // D1 written by npm start, read by wrangler dev.
      const login = await post(`${dev.url}/v1/auth/login`, { username, password: PASSWORD });
      expect(login.status).toBe(200);
      // D1 and KV (the logout deny-list) written by wrangler dev, read by npm start below.
      const bob = await post(`${dev.url}/v1/auth/register`, { username: `${username}_b`, password: PASSWORD });
      expect(bob.status).toBe(201);
      const out = await fetch(`${dev.url}/v1/auth/logout`, {
        method: "POST",
        headers: { Authorization: `Bearer ${alice.accessToken}` },
      });
      expect(out.status).toBe(204);
    } finally {
      await dev.stop();
    }
  });

  it("restarts on the same state and finds the data", async () => {
    server = await startServer(["--persist-to", state, "--no-seed"]);
    const res = await post(`${server.url}/v1/auth/login`, { username, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Session).user.id).toBe(alice.user.id);
    expect((await post(`${server.url}/v1/auth/login`, { username: `${username}_b`, password: PASSWORD })).status).toBe(
      200,
    );
    const revoked = await fetch(`${server.url}/v1/me`, { headers: { Authorization: `Bearer ${alice.accessToken}` } });
    expect(revoked.status).toBe(401);
    expect(await server.stop("SIGTERM")).toBe(0);
  });
});

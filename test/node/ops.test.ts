// Operations on a real `npm start`: a cron run by hand (/cdn-cgi/handler/scheduled and
// `npm run plaza -- cron`), and the Prometheus scrape at /metrics (operator token only).
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devVar } from "../../scripts/lib/operator.ts";
import { type RunningServer, root, startServer } from "./support/serve.ts";

/** Runs `npm run plaza -- <args>` (the script itself, on this Node) against `url`. */
function plaza(args: string[], url: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, "scripts/plaza.ts"), ...args], {
      cwd: root,
      env: { ...process.env, PLAZA_URL: url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, out }));
  });
}

describe("operations on npm start", () => {
  let state: string;
  let server: RunningServer;

  beforeAll(async () => {
    state = await mkdtemp(path.join(tmpdir(), "plaza-ops-test-"));
    server = await startServer(["--persist-to", state, "--no-seed", "--log-level", "info"]);
  });

  afterAll(async () => {
    await server?.stop("SIGKILL");
    await rm(state, { recursive: true, force: true });
  });

  it("runs the cron handler at /cdn-cgi/handler/scheduled, as wrangler dev --test-scheduled does", async () => {
    const before = server.lines.length;
    const res = await fetch(`${server.url}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("*/5 * * * *")}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok");
    await server.waitForLine(/cron sweep done cron="\*\/5 \* \* \* \*" sweep=sessions/);
    expect(server.lines.length).toBeGreaterThan(before);
    const json = await fetch(`${server.url}/cdn-cgi/handler/scheduled?cron=*/5+*+*+*+*&format=json&time=1700000000000`);
    expect(await json.json()).toMatchObject({ outcome: "ok" });
    const bad = await fetch(`${server.url}/cdn-cgi/handler/scheduled?time=yesterday`);
    expect(bad.status).toBe(400);
  });

  it("npm run plaza -- cron runs it too and exits 0; a bad expression or a dead server exit non-zero", async () => {
    const ran = await plaza(["cron", "*/5 * * * *"], server.url);
    expect(ran.code, ran.out).toBe(0);
    expect(JSON.parse(ran.out.trim())).toEqual({ cron: "*/5 * * * *", status: 200, outcome: "ok" });
    const typo = await plaza(["cron", "*/5 * *"], server.url);
    expect(typo.code).toBe(2);
    const dead = await plaza(["cron", "*/5 * * * *"], "http://127.0.0.1:9");
    expect(dead.code).toBe(1);
    const help = await plaza(["help"], server.url);
    expect(help.out).toMatch(/cron +run a cron now/);
  });

  it("serves /metrics to the operator: the whole server's requests, crons and queues in one scrape", async () => {
    // The server reads its secrets from .dev.vars (npm start writes it); this process has test secrets in its env.
    const token = devVar("BACKEND_TOKEN");
    expect(token, "npm start writes BACKEND_TOKEN to .dev.vars").toBeTruthy();
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    for (let i = 0; i < 5; i++) await (await fetch(`${server.url}/healthz`)).body?.cancel();
    const res = await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    const healthz = text.match(/^plaza_http_requests_total\{method="GET",route="\/healthz",status="200"\} (\d+)$/m);
    expect(Number(healthz?.[1])).toBeGreaterThanOrEqual(5);
    // The crons run by hand above were counted by the same isolate that answers the scrape.
    expect(text).toMatch(/^plaza_cron_sweeps_total\{sweep="sessions",outcome="ok"\} [1-9]\d*$/m);
    expect(text).toMatch(/^plaza_queue_backlog\{queue="plaza-events"\} \d+$/m);
    expect(text).toMatch(/^plaza_backend_capacity\{backend="local-llm"\} 8$/m);
  });
});

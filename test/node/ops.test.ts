// Operations on a real `npm start`: a cron run by hand (/cdn-cgi/handler/scheduled and
// `npm run plaza -- cron`), and the Prometheus scrape at /metrics (operator token only).
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
});

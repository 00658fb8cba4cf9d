// `npm start` on a port other than 8787 works as a whole: a browser page on that port may open
// sockets (ALLOWED_ORIGINS follows the port), and a thumbnail task goes to the reference
// backend on --gpu-backend-port and calls back to this server (BACKENDS and PUBLIC_URL follow).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { derivedVars, gpuBackendPortFor, ownOrigins } from "../../scripts/serve/local-urls.ts";
import { gradientPng } from "../e2e/support/png.ts";
import { freePort, type RunningServer, startServer } from "./support/serve.ts";

const DECLARED = {
  ALLOWED_ORIGINS: "http://127.0.0.1:8787,http://localhost:8787,https://app.example",
  PUBLIC_URL: "http://127.0.0.1:8787",
  BACKENDS: '[{"id":"a","url":"http://127.0.0.1:8788"}]',
};

describe("vars that follow where npm start listens", () => {
  it("derives origins, the public URL and the backend port from host and port", () => {
    const vars = derivedVars(DECLARED, {}, { host: "127.0.0.1", port: 9100, gpuBackendPort: 9101 });
    expect(vars.ALLOWED_ORIGINS).toBe("http://127.0.0.1:9100,http://localhost:9100,https://app.example");
    expect(vars.PUBLIC_URL).toBe("http://127.0.0.1:9100");
    expect(vars.BACKENDS).toBe('[{"id":"a","url":"http://127.0.0.1:9101"}]');
    expect(vars.MODERATION_HOOK_URL).toBe("http://127.0.0.1:9101/moderation");
    expect(ownOrigins("0.0.0.0", 80)).toEqual(["http://127.0.0.1:80", "http://localhost:80"]);
    expect(ownOrigins("192.168.1.5", 8787)).toEqual(["http://192.168.1.5:8787"]);
    expect(derivedVars(DECLARED, {}, { host: "0.0.0.0", port: 1, gpuBackendPort: 2 }).PUBLIC_URL).toBe(
      "http://127.0.0.1:1",
    );
  });

  it("leaves alone what is given explicitly, and defaults the backend to the next port", () => {
    const explicit = { ALLOWED_ORIGINS: "x", PUBLIC_URL: "y", BACKENDS: "[]", MODERATION_HOOK_URL: "" };
    expect(derivedVars(DECLARED, explicit, { host: "127.0.0.1", port: 9100, gpuBackendPort: 9101 })).toEqual({});
    expect(gpuBackendPortFor(8787, undefined)).toBe(8788);
    expect(gpuBackendPortFor(9000, 7000)).toBe(7000);
    expect(gpuBackendPortFor(65_535, undefined)).toBe(65_534);
  });
});

describe("npm start on another port", () => {
  let state: string;
  let server: RunningServer;
  let token: string;

  beforeAll(async () => {
    state = await mkdtemp(path.join(tmpdir(), "plaza-port-test-"));
    const gpuPort = await freePort();
    server = await startServer(["--persist-to", state, "--no-seed", "--gpu-backend-port", String(gpuPort)]);
    const res = await fetch(`${server.url}/v1/auth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: `port_${Date.now().toString(36)}`, password: "correct horse battery staple" }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    token = ((await res.json()) as { accessToken: string }).accessToken;
  });

  afterAll(async () => {
    await server?.stop("SIGKILL");
    await rm(state, { recursive: true, force: true });
  });

  it("lets a page from its own origin (127.0.0.1 and localhost) open a socket", async () => {
    const port = new URL(server.url).port;
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      const ws = new WebSocket(`${server.url.replace("http", "ws")}/v1/inbox/ws`, ["plaza.v1", `bearer.${token}`], {
        origin,
      });
      const outcome = await new Promise<string>((resolve) => {
        ws.once("open", () => resolve("open"));
        ws.once("unexpected-response", (_req, res) => resolve(`refused ${res.statusCode}`));
        ws.once("error", (err) => resolve(`error ${err.message}`));
      });
      expect(outcome, origin).toBe("open");
      ws.close();
    }
  });

  it("serves the app's pages and assets, and /docs, with CSP, frame and nosniff headers", async () => {
    const html = await (await fetch(`${server.url}/`)).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/app-[^"]+)"/g)].map((m) => m[1] ?? "");
    expect(assets.length).toBe(2);
    for (const pathname of ["/", ...assets, "/docs", "/docs/reference.js"]) {
      const res = await fetch(`${server.url}${pathname}`);
      expect(res.status, pathname).toBe(200);
      const csp = res.headers.get("Content-Security-Policy") ?? "";
      expect(csp, pathname).toContain("script-src 'self'");
      expect(csp, pathname).toContain("frame-ancestors 'self'");
      expect(res.headers.get("X-Frame-Options"), pathname).toBe("SAMEORIGIN");
      expect(res.headers.get("X-Content-Type-Options"), pathname).toBe("nosniff");
    }
  });

  it("runs a thumbnail task end to end on the backend beside it", async () => {
    const auth = { Authorization: `Bearer ${token}` };
    const upload = await fetch(`${server.url}/v1/media`, {
      method: "POST",
      headers: { ...auth, "Content-Type": "image/png" },
      body: new Uint8Array(gradientPng(64)),
    });
    expect(upload.status, await upload.clone().text()).toBe(201);
    const { url } = (await upload.json()) as { url: string };
    const submit = await fetch(`${server.url}/v1/tasks`, {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({
        type: "image.thumbnail",
        input: { source: new URL(url, server.url).pathname, width: 32 },
      }),
    });
    expect(submit.status, await submit.clone().text()).toBe(202);
    const { id } = (await submit.json()) as { id: string };
    let task: { status: string; error?: unknown } = { status: "queued" };
    const deadline = Date.now() + 30_000;
    while (!["succeeded", "failed", "canceled"].includes(task.status) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      task = (await (await fetch(`${server.url}/v1/tasks/${id}`, { headers: auth })).json()) as typeof task;
    }
    expect(task, JSON.stringify(task)).toMatchObject({ status: "succeeded" });
    const result = await fetch(`${server.url}/v1/tasks/${id}/result`, { headers: auth });
    expect(result.headers.get("Content-Type")).toBe("image/webp");
  });
});

// Helpers for task tests: submit and await tasks through the real Worker, manage the backend
// pool with the operator token, and pump backend callbacks from the relay into the Worker.
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { BASE, call, json } from "./api";

export interface TaskJson {
  id: string;
  type: string;
  status: string;
  progress: number;
  attempts: number;
  result?: Record<string, unknown>;
  error?: { code: string; message: string };
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  queue?: { position: number; ahead: number; etaMs?: number };
  backend?: { id: string };
}

export const chatInput = (text = "hello plaza", maxTokens = 12) => ({
  messages: [{ role: "user", content: text }],
  maxTokens,
});

/** POST /v1/tasks and expect 202. */
export async function submitTask(
  token: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<TaskJson> {
  const res = await call("/v1/tasks", { token, body, headers });
  expect(res.status, await res.clone().text()).toBe(202);
  return json<TaskJson>(res);
}

/** Polls GET /v1/tasks/:id until `done(task)` or the timeout. */
export async function waitForTask(
  token: string,
  id: string,
  done: (t: TaskJson) => boolean,
  timeoutMs = 15_000,
): Promise<TaskJson> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = await json<TaskJson>(await call(`/v1/tasks/${id}`, { token }));
    if (done(task)) return task;
    if (Date.now() > deadline)
      throw new Error(`task ${id} did not get there in ${timeoutMs} ms: ${JSON.stringify(task)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const finished = (t: TaskJson) => ["succeeded", "failed", "canceled"].includes(t.status);

/** Calls a /v1/backends route with the operator token. */
export function operator(path: string, options: { method?: string; body?: unknown } = {}): Promise<Response> {
  return call(`/v1/backends${path}`, { ...options, headers: { Authorization: `Bearer ${env.BACKEND_TOKEN}` } });
}

/** A backend URL on the reference server that misbehaves in `mode` (see gpu-backend/faults.ts). */
export const faultUrl = (mode: string) => `${env.TEST_BACKEND_URL}/fault/${mode}`;

/**
 * Makes `specs` the only enabled backends of this test file's pool: config backends are
 * drained, the given ones registered. (Storage, and so the pool, is per test file.)
 */
export async function useOnlyBackends(specs: Record<string, unknown>[]): Promise<void> {
  const list = await json<{ items: { id: string; source: string }[] }>(await operator(""));
  for (const b of list.items) {
    const res =
      b.source === "config"
        ? await operator(`/${b.id}`, { method: "PATCH", body: { enabled: false } })
        : await operator(`/${b.id}`, { method: "DELETE" });
    expect(res.status).toBeLessThan(300);
  }
  for (const spec of specs) expect((await operator("", { body: spec })).status).toBe(201);
}

export interface Relayed {
  id: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  bodyBase64: string;
}

const fromBase64 = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const toBase64 = (bytes: Uint8Array) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));

/**
 * Takes the backend's requests for the watched tasks off the relay and replays them through
 * the real Worker, answering with the Worker's response. Call `watch(taskId)` after submitting.
 */
export function startRelayPump(options: { refuse?: (r: Relayed) => boolean } = {}): {
  watch(taskId: string): void;
  stop(): Promise<void>;
  replayed: (Relayed & { answer: string })[];
} {
  const ids = new Set<string>();
  const replayed: (Relayed & { answer: string })[] = [];
  let running = true;
  const forward = async (r: Relayed) => {
    if (options.refuse?.(r)) {
      // As if Plaza were down for this request: the backend gives up on a 4xx at once.
      await fetch(`${env.TEST_RELAY_URL}/__relay/answer/${r.id}`, {
        method: "POST",
        body: JSON.stringify({ status: 410, headers: {}, bodyBase64: "" }),
      });
      return;
    }
    const body = r.method === "GET" || r.method === "HEAD" ? undefined : fromBase64(r.bodyBase64);
    const res = await exports.default.fetch(
      new Request(`${BASE}${r.path}`, { method: r.method, headers: r.headers, body }),
    );
    const bytes = new Uint8Array(await res.arrayBuffer());
    replayed.push({
      ...r,
      answer: `${res.status} ${res.headers.get("Content-Type")?.includes("json") ? new TextDecoder().decode(bytes) : ""}`,
    });
    await fetch(`${env.TEST_RELAY_URL}/__relay/answer/${r.id}`, {
      method: "POST",
      body: JSON.stringify({
        status: res.status,
        headers: Object.fromEntries(res.headers),
        bodyBase64: toBase64(bytes),
      }),
    });
  };
  const loop = (async () => {
    while (running) {
      if (ids.size === 0) {
        await new Promise((r) => setTimeout(r, 25));
        continue;
      }
      const res = await fetch(`${env.TEST_RELAY_URL}/__relay/next?wait=300&match=${[...ids].join(",")}`);
      if (res.status === 200) void forward(await res.json<Relayed>());
      else await res.body?.cancel();
    }
  })();
  return {
    watch: (taskId) => ids.add(taskId),
    replayed,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

// Plaza's HTTP benchmark cases, prepared against a running server: the liveness route, an
// authenticated read (/v1/me), the bare baseline route answering /v1/me's exact bytes from the
// same process, and a post read served from the warm KV cache.
import type { HttpCase } from "./http-load.ts";
import { type BenchUser, call } from "./plaza.ts";
import { sleep } from "./stats.ts";

export const BARE_ROUTE_OFF =
  "the bare /__bench/json route is off: start Plaza with `PLAZA_VARS_BENCH_ROUTES=on npm start` (or `npm start -- --var BENCH_ROUTES:on`)";

/** A post, read until its cache entry is warm (X-Cache: HIT): the measured reads hit it. */
async function cachedPostRead(base: string, user: BenchUser): Promise<HttpCase> {
  const { id } = await call<{ id: string }>(base, "/v1/posts", {
    token: user.token,
    body: { content: "benchmark post" },
  });
  for (let i = 0; i < 50; i++) {
    const read = await fetch(`${base}/v1/posts/${id}`, { headers: { Authorization: `Bearer ${user.token}` } });
    await read.arrayBuffer();
    if (read.status !== 200) throw new Error(`reading the benchmark post: ${read.status}`);
    if (read.headers.get("X-Cache") === "HIT") break;
    await sleep(100);
  }
  return { name: CASE.post, path: `/v1/posts/${id}`, headers: { Authorization: `Bearer ${user.token}` } };
}

/** Builds the cases for `user`; throws if the bare route is off or does not mirror /v1/me. */
export async function preparePlazaHttpCases(base: string, user: BenchUser): Promise<HttpCase[]> {
  const auth = { Authorization: `Bearer ${user.token}` };
  const me = await fetch(`${base}/v1/me`, { headers: auth });
  if (me.status !== 200) throw new Error(`GET /v1/me: ${me.status} ${await me.text()}`);
  const meBody = await me.text();
  const stored = await fetch(`${base}/__bench/json`, { method: "POST", body: meBody });
  if (stored.status === 404) throw new Error(BARE_ROUTE_OFF);
  if (stored.status !== 204) throw new Error(`POST /__bench/json: ${stored.status}`);
  const mirrored = await (await fetch(`${base}/__bench/json`)).text();
  if (mirrored !== meBody) throw new Error("the bare route does not answer /v1/me's body byte for byte");

  return [
    { name: CASE.health, path: "/healthz" },
    { name: CASE.me, path: "/v1/me", headers: auth },
    { name: CASE.bare, path: "/__bench/json" },
    await cachedPostRead(base, user),
  ];
}

export const CASE = {
  health: "GET /healthz",
  me: "GET /v1/me (authenticated)",
  bare: "GET /__bench/json (bare, same JSON)",
  post: "GET /v1/posts/:id (warm cache)",
} as const;

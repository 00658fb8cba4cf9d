// Plaza's HTTP benchmark cases, prepared against a running server: the liveness route, an
// authenticated read (/v1/me), the bare baseline route answering /v1/me's exact bytes from the
// same process, and a cached post read once the feed routes exist (pending until then).
import type { HttpCase } from "./http-load.ts";
import { benchIp, type BenchUser } from "./bench-users.ts";

/** A case that cannot run against this server yet, and why. */
export interface PendingCase {
  name: string;
  reason: string;
}

export const BARE_ROUTE_OFF =
  "the bare /__bench/json route is off: start Plaza with `PLAZA_VARS_BENCH_ROUTES=on npm start` (or `npm start -- --var BENCH_ROUTES:on`)";

async function cachedPostRead(base: string, auth: Record<string, string>): Promise<HttpCase | PendingCase> {
  const name = "GET /v1/posts/:id (cached)";
  const created = await fetch(`${base}/v1/posts`, {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/json", "CF-Connecting-IP": benchIp() },
    body: JSON.stringify({ content: "benchmark post" }),
  });
  if (created.status === 404) return { name, reason: "POST /v1/posts is not on this server yet (the feed lands later)" };
  if (created.status !== 201) throw new Error(`creating the benchmark post: ${created.status} ${await created.text()}`);
  const { id } = (await created.json()) as { id: string };
  // The first read fills the cache; the measured ones hit it.
  const first = await fetch(`${base}/v1/posts/${id}`, { headers: auth });
  if (first.status !== 200) throw new Error(`reading the benchmark post: ${first.status} ${await first.text()}`);
  return { name, path: `/v1/posts/${id}`, headers: auth };
}

/** Builds the cases for `user`; throws if the bare route is off or does not mirror /v1/me. */
export async function preparePlazaHttpCases(base: string, user: BenchUser): Promise<{ cases: HttpCase[]; pending: PendingCase[] }> {
  const auth = { Authorization: `Bearer ${user.accessToken}` };
  const me = await fetch(`${base}/v1/me`, { headers: auth });
  if (me.status !== 200) throw new Error(`GET /v1/me: ${me.status} ${await me.text()}`);
  const meBody = await me.text();
  const stored = await fetch(`${base}/__bench/json`, { method: "POST", body: meBody });
  if (stored.status === 404) throw new Error(BARE_ROUTE_OFF);
  if (stored.status !== 204) throw new Error(`POST /__bench/json: ${stored.status}`);
  const mirrored = await (await fetch(`${base}/__bench/json`)).text();
  if (mirrored !== meBody) throw new Error("the bare route does not answer /v1/me's body byte for byte");

  const cases: HttpCase[] = [
    { name: "GET /healthz", path: "/healthz" },
    { name: "GET /v1/me (authenticated)", path: "/v1/me", headers: auth },
    { name: "GET /__bench/json (bare, same JSON)", path: "/__bench/json" },
  ];
  const pending: PendingCase[] = [];
  const post = await cachedPostRead(base, auth);
  if ("path" in post) cases.push(post);
  else pending.push(post);
  return { cases, pending };
}

export const CASE = {
  health: "GET /healthz",
  me: "GET /v1/me (authenticated)",
  bare: "GET /__bench/json (bare, same JSON)",
} as const;

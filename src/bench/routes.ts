// Bare baseline routes for benchmarks: answered before Hono and all middleware, so a
// benchmark can compare a Plaza route with "the same JSON from the same process".
// Served only by the benchmark entry (src/bench/index.ts, docs/decisions/0066), and there
// only while BENCH_ROUTES = "on".
//
// POST /__bench/json  stores a JSON body (<= 64 KiB) in this isolate
// GET  /__bench/json  returns the stored body
// GET  /__bench/rooms/echo/<name>/ws   a bare hibernating broadcast object (BENCH_ECHO_ROOM)
// GET  /__bench/rooms/party/<name>/ws  the same room written with partyserver (BENCH_PARTY_ROOM)
// POST /__bench/feed/* feed bulk seeding and hot-list timing (src/bench/feed.ts)
// GET  /__bench/usage  billable units counted in this isolate so far (src/lib/usage.ts)

import { benchFeedRoute } from "./feed";
// POST /__bench/im/*                   IM benchmark helpers (src/bench/im.ts)

import { benchImRoute } from "./im";
import { loadConfig } from "../config";
import { usageSnapshot } from "../lib/usage";

let stored = '{"ok":true}';
const MAX_BYTES = 65_536;
const BENCH_ROOM = /^\/__bench\/rooms\/(echo|party)\/([A-Za-z0-9_-]{1,64})\/ws$/;

/** Handles `/__bench/*` when enabled; returns undefined for every other request. */
export async function benchRoute(request: Request, env: Env): Promise<Response | undefined> {
  // Off (as in production): no per-request cost beyond the cached config lookup.
  if (!loadConfig(env).benchRoutes) return undefined;
  const { pathname } = new URL(request.url);
  if (!pathname.startsWith("/__bench/")) return undefined;
  // /__bench/im/* (src/bench/im.ts)
  if (pathname.startsWith("/__bench/im/")) return benchImRoute(request, env, pathname);
  const room = BENCH_ROOM.exec(pathname);
  if (room) {
    const namespace = room[1] === "echo" ? env.BENCH_ECHO_ROOM : env.BENCH_PARTY_ROOM;
    return namespace.get(namespace.idFromName(room[2]!)).fetch(request);
  }
  if (pathname.startsWith("/__bench/feed/")) return benchFeedRoute(request, env, pathname);
  if (pathname === "/__bench/usage") return Response.json(usageSnapshot());
  if (pathname !== "/__bench/json") return undefined;
  if (request.method === "POST") {
    const text = await request.text();
    if (text.length > MAX_BYTES) return new Response("too large", { status: 413 });
    stored = text;
    return new Response(null, { status: 204 });
  }
  return new Response(stored, { headers: { "Content-Type": "application/json" } });
}

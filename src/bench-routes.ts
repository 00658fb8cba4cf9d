// Bare baseline routes for benchmarks: answered before Hono and all middleware, so a
// benchmark can compare a Plaza route with "the same JSON from the same process".
// Off unless BENCH_ROUTES = "on" (never enable it in production).
//
// POST /__bench/json  stores a JSON body (<= 64 KiB) in this isolate
// GET  /__bench/json  returns the stored body
// POST /__bench/feed/* feed bulk seeding and hot-list timing (src/bench-feed.ts)

import { benchFeedRoute } from "./bench-feed";
import { loadConfig } from "./config";

let stored = '{"ok":true}';
const MAX_BYTES = 65_536;

/** Handles `/__bench/*` when enabled; returns undefined for every other request. */
export async function benchRoute(request: Request, env: Env): Promise<Response | undefined> {
  const { pathname } = new URL(request.url);
  if (!pathname.startsWith("/__bench/") || !loadConfig(env).benchRoutes) return undefined;
  if (pathname.startsWith("/__bench/feed/")) return benchFeedRoute(request, env, pathname);
  if (pathname !== "/__bench/json") return undefined;
  if (request.method === "POST") {
    const text = await request.text();
    if (text.length > MAX_BYTES) return new Response("too large", { status: 413 });
    stored = text;
    return new Response(null, { status: 204 });
  }
  return new Response(stored, { headers: { "Content-Type": "application/json" } });
}

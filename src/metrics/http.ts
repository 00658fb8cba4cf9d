// The HTTP metrics of one request, labelled by its route template (bounded: the route table),
// never by its path. Called by the request-context middleware once the response is known.
import type { Context } from "hono";
import { matchedRoutes } from "hono/route";
import type { AppEnv } from "../env";
import { count, metricsEnabled, observe } from "./index";

/** The template of the route that answered (`/v1/posts/:id`), or "unmatched". Middleware is method ALL. */
function routeTemplate(c: Context<AppEnv>): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const r = routes[i];
    if (r && r.method !== "ALL") return r.path;
  }
  return "unmatched";
}

/** Counts the request by method, route and status and records its duration; 429s count as refusals. */
export function recordHttp(c: Context<AppEnv>, status: number, durationMs: number): void {
  if (!metricsEnabled()) return;
  const route = routeTemplate(c);
  const method = c.req.method;
  count("plaza_http_requests_total", { method, route, status: String(status) });
  observe("plaza_http_request_duration_ms", { method, route }, durationMs);
  if (status === 429) count("plaza_rate_limited_total", { surface: "http", where: route });
}

// Per-request context: configuration, a logger carrying the request id, the database
// client (counting the request's D1 statements), and one structured log line per request.
import { createMiddleware } from "hono/factory";
import { loadConfig } from "../config";
import { createDb } from "../db/client";
import { countingD1, withQueryCount } from "../db/query-count";
import type { AppEnv } from "../env";
import { createLogger } from "../lib/log";
import { recordHttp } from "../metrics/http";

/** Sets `config`, `log` and `db` for the rest of the chain and logs the request outcome. */
export function requestContext() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const config = loadConfig(c.env);
    const log = createLogger(config.logLevel, { requestId: c.get("requestId") });
    c.set("config", config);
    c.set("log", log);
    c.set("db", createDb(countingD1(c.env.DB)));
    const started = Date.now();
    // Plaza-D1-Queries: how many D1 statements answering this request ran (docs/API.md).
    await withQueryCount(async (count) => {
      await next();
      try {
        c.res.headers.set("Plaza-D1-Queries", String(count()));
      } catch {
        // A response passed through from elsewhere (a socket upgrade, a stream) has immutable headers.
      }
    });
    const status = c.res.status;
    recordHttp(c, status, Date.now() - started);
    const auth = c.get("auth");
    // Paths only: query strings can carry cursors and are not needed to debug a request.
    log[status >= 500 ? "error" : "info"]("request", {
      method: c.req.method,
      path: c.req.path,
      status,
      durationMs: Date.now() - started,
      ...(auth ? { userId: auth.id } : {}),
      // Routes served through a cache (GET /v1/posts/:id) say HIT or MISS in X-Cache.
      ...(c.res.headers.has("X-Cache") ? { cache: c.res.headers.get("X-Cache") } : {}),
    });
  });
}

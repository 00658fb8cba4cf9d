// Builds the FeedContext feed services take from a request's context. Feed routes run the
// bookmarks() middleware, which opens the request's D1 session; without it (a route that
// does not), a session is opened here the same way, without a bookmark.
import type { Context } from "hono";
import { countingD1 } from "../db/query-count";
import { openSession } from "../db/session";
import type { AppEnv, Consistency } from "../env";
import { describeError } from "../lib/log";
import type { FeedContext } from "../services/feed-context";

function ownConsistency(c: Context<AppEnv>): Consistency {
  const write = c.req.method !== "GET" && c.req.method !== "HEAD";
  const session = openSession(countingD1(c.env.DB), write ? "first-primary" : "first-unconstrained");
  return { wanted: undefined, session, served: () => {} };
}

export function feedContext(c: Context<AppEnv>): FeedContext {
  const log = c.var.log;
  const consistency = c.get("consistency") ?? ownConsistency(c);
  return {
    get db() {
      return consistency.session.db;
    },
    cache: c.env.CACHE,
    media: c.env.MEDIA,
    events: c.env.EVENTS,
    config: c.var.config.feed,
    moderation: c.var.config.moderation,
    log,
    origin: new URL(c.req.url).origin,
    wanted: consistency.wanted,
    bookmark: () => consistency.session.bookmark(),
    served: consistency.served,
    defer: (task, what) =>
      c.executionCtx.waitUntil(
        task.catch((err: unknown) => log.warn("deferred task failed", { task: what, ...describeError(err) })),
      ),
  };
}

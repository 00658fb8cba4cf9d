// Builds the FeedContext feed services take from a request's context.
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { describeError } from "../lib/log";
import type { FeedContext } from "../services/feed-context";

export function feedContext(c: Context<AppEnv>): FeedContext {
  const log = c.var.log;
  return {
    db: c.var.db,
    cache: c.env.CACHE,
    media: c.env.MEDIA,
    events: c.env.EVENTS,
    config: c.var.config.feed,
    moderation: c.var.config.moderation,
    log,
    origin: new URL(c.req.url).origin,
    defer: (task, what) =>
      c.executionCtx.waitUntil(
        task.catch((err: unknown) => log.warn("deferred task failed", { task: what, ...describeError(err) })),
      ),
  };
}

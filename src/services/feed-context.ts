// What feed services need from a request: bindings, settings, and a way to finish work
// after the response (ctx.waitUntil). Built once per request by the routes.
import type { FeedConfig, ModerationSettings } from "../config";
import type { Db } from "../db/client";
import type { Logger } from "../lib/log";

export interface FeedContext {
  db: Db;
  cache: KVNamespace;
  media: R2Bucket;
  events: Queue;
  config: FeedConfig;
  /** The pre-publish moderation step's settings. */
  moderation: ModerationSettings;
  log: Logger;
  /** Origin media URLs are built on (the request's). */
  origin: string;
  /** Runs `task` after the response is sent; failures are logged, never thrown. */
  defer(task: Promise<unknown>, what: string): void;
}

// What feed services need from a request: bindings, settings, the request's D1 session and
// bookmarks, and a way to finish work after the response (ctx.waitUntil). Built once per
// request by the routes.
import type { FeedConfig, ModerationSettings } from "../config";
import type { Db } from "../db/client";
import type { Logger } from "../lib/log";

export interface FeedContext {
  /** The typed client over the request's D1 session (opened on first use). */
  readonly db: Db;
  cache: KVNamespace;
  media: R2Bucket;
  events: Queue;
  config: FeedConfig;
  /** The pre-publish moderation step's settings. */
  moderation: ModerationSettings;
  log: Logger;
  /** Origin media URLs are built on (the request's). */
  origin: string;
  /** The bookmark the client sent (Plaza-Bookmark): cached states older than it are not used. */
  wanted: string | undefined;
  /** The request's D1 session bookmark so far (null before its first query). */
  bookmark(): string | null;
  /** Notes the bookmark a cached state in the answer was read at (the answer's bookmark is the newest). */
  served(asOf: string | null): void;
  /** Runs `task` after the response is sent; failures are logged, never thrown. */
  defer(task: Promise<unknown>, what: string): void;
}

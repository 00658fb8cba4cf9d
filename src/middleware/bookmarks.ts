// Plaza-Bookmark (decision 0075): the request's D1 session and the client's bookmark. Writes
// open their session at the primary; reads open it at the client's bookmark (a replica at least
// that fresh) or anywhere. The answer carries the newest bookmark of what it read or wrote, for
// the client to send back: read-your-writes and monotonic reads for that client.
import { createMiddleware } from "hono/factory";
import { countingD1 } from "../db/query-count";
import { openSession } from "../db/session";
import type { AppEnv, Consistency } from "../env";
import { errors } from "../errors";
import { BookmarkSchema, newerBookmark } from "../lib/bookmark";

export const BOOKMARK_HEADER = "Plaza-Bookmark";

/** Sets `consistency` for the feed routes and answers the newest bookmark. */
export function bookmarks() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const sent = c.req.header(BOOKMARK_HEADER);
    let wanted: string | undefined;
    if (sent !== undefined && sent !== "") {
      const parsed = BookmarkSchema.safeParse(sent);
      if (!parsed.success) throw errors.invalidBookmark();
      wanted = parsed.data;
    }
    const write = c.req.method !== "GET" && c.req.method !== "HEAD";
    const session = openSession(countingD1(c.env.DB), write ? "first-primary" : (wanted ?? "first-unconstrained"));
    let served: string | null = null;
    const consistency: Consistency = {
      wanted,
      session,
      served: (asOf) => {
        served = newerBookmark(served, asOf);
      },
    };
    c.set("consistency", consistency);
    await next();
    const answer = newerBookmark(newerBookmark(wanted, session.bookmark()), served);
    if (answer !== null) c.header(BOOKMARK_HEADER, answer);
  });
}

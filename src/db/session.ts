// D1 sessions (the Sessions API): every feed query of a request runs in one session, opened
// lazily on the first query, so a request answered from caches opens none. Writes start at the
// primary ("first-primary"); reads start where the client's bookmark says (a replica at least
// that fresh) or anywhere ("first-unconstrained": the nearest replica in production). The
// session's bookmark after the request goes back to the client (Plaza-Bookmark, decision 0075).
import { drizzle } from "drizzle-orm/d1";
import type { Db } from "./client";
import * as schema from "./schema";

export interface DbSession {
  /** The typed client over this session (opens the session on first use). */
  readonly db: Db;
  /** The session's bookmark so far; null when no query ran. */
  bookmark(): string | null;
}

/** A lazy session on `d1` starting at `start` (a bookmark or a constraint). */
export function openSession(d1: D1Database, start: string): DbSession {
  let session: D1DatabaseSession | undefined;
  let db: Db | undefined;
  return {
    get db() {
      if (!db) {
        session = d1.withSession(start);
        // drizzle's D1 driver only calls prepare() and batch(), which a session has.
        db = drizzle(session as unknown as D1Database, { schema });
      }
      return db;
    },
    bookmark: () => session?.getBookmark() ?? null,
  };
}

// People search (decision 0085): users whose username or display name starts with `q`,
// case-insensitively, ordered by username. Each branch is an index range on a lower-cased key
// (`username` is stored lower case; `lower(display_name)` has an expression index), so `q` is
// only ever compared, never parsed: `%`, `_`, quotes and FTS syntax are plain text. Suspended
// users and users who blocked the caller are left out. Nine bound parameters.
import { and, gt, sql, type SQL } from "drizzle-orm";
import { union } from "drizzle-orm/sqlite-core";
import type { Db } from "../db/client";
import { users } from "../db/schema";
import { errors } from "../errors";
import { encodeCursor, readCursor } from "../lib/cursor";
import { z } from "zod";
import { authorVisibleSql } from "./moderation/visibility";
import { type PublicUser, toPublicUser } from "./users";

const CursorSchema = z.object({ k: z.literal("people"), q: z.string(), after: z.string().min(1).max(64) });

/** `column` starts with `q`, compared after SQLite's lower() on both sides (the same fold as the index). */
function startsWith(column: SQL, q: string): SQL {
  // char(0x10FFFF) is the greatest code point, so `key || char(0x10FFFF)` bounds every string with the prefix.
  return sql`(${column} >= lower(${q}) AND ${column} < lower(${q}) || char(1114111))`;
}

/** The caller is not blocked by the row's user (a block hides the blocker from the blocked user's search). */
function notBlockedBy(callerId: string): SQL {
  return sql`NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = ${users.id} AND b.blocked_id = ${callerId})`;
}

/**
 * The statement behind {@link searchUsers}: one page (plus one row) after `after`. A UNION of the
 * two prefix ranges, each filtered on its own: in one OR-ed WHERE, SQLite walks the username
 * index from the cursor to the end of the table (to skip the sort) and tests every row.
 * Exported for its query plan test.
 */
export function peopleQuery(db: Db, callerId: string, q: string, after: string | undefined, limit: number) {
  const branch = (key: SQL) =>
    db
      .select()
      .from(users)
      .where(
        and(
          startsWith(key, q),
          after === undefined ? undefined : gt(users.username, after),
          authorVisibleSql,
          notBlockedBy(callerId),
        ),
      );
  return union(branch(sql`${users.username}`), branch(sql`lower(${users.displayName})`))
    .orderBy(sql`username`)
    .limit(limit + 1);
}

/** A page of people matching `q` for `callerId`, by username. A cursor from another `q` is 400 invalid_cursor. */
export async function searchUsers(
  db: Db,
  callerId: string,
  q: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: PublicUser[]; nextCursor: string | null }> {
  const cursor = page.cursor === undefined ? undefined : readCursor(page.cursor, CursorSchema);
  if (cursor && cursor.q !== q) throw errors.invalidCursor();
  const rows = await peopleQuery(db, callerId, q, cursor?.after, page.limit);
  const shown = rows.slice(0, page.limit);
  const tail = shown.at(-1);
  return {
    items: shown.map(toPublicUser),
    nextCursor: rows.length > page.limit && tail ? encodeCursor({ k: "people", q, after: tail.username }) : null,
  };
}

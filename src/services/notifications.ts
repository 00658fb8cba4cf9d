// Reading notifications (decision 0077): the caller's groups, newest first, with their first
// actors' names, and the unread count; marking them read up to a time.
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { runBatch, statement } from "../db/statements";
import { errors } from "../errors";
import { encodeCursor, readCursor } from "../lib/cursor";
import { z } from "zod";
import type { NotificationKind } from "./notification-writes";

export interface NotificationView {
  id: string;
  kind: NotificationKind;
  /** The post (like, comment, mention) or the recipient (follow). */
  subject: string;
  actors: { id: string; username: string; displayName: string }[];
  count: number;
  latestAt: string;
  read: boolean;
}

interface Row {
  id: string;
  kind: NotificationKind;
  subject: string;
  actors: string;
  count: number;
  latest_at: number;
  read_at: number | null;
}

const CursorSchema = z.object({ k: z.literal("notifications"), t: z.number().int(), id: z.string().max(64) });

/** A page of `userId`'s notifications (groups with nobody left in them are skipped) and the unread count. */
export async function listNotifications(
  db: Db,
  userId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: NotificationView[]; unread: number; nextCursor: string | null }> {
  const after = page.cursor === undefined ? undefined : readCursor(page.cursor, CursorSchema);
  const [rows, unread] = await runBatch(db, [
    statement(
      db,
      sql`SELECT id, kind, subject, actors, count, latest_at, read_at FROM notifications
        WHERE recipient_id = ${userId} AND count > 0
        ${after ? sql`AND (latest_at, id) < (${after.t}, ${after.id})` : sql``}
        ORDER BY latest_at DESC, id DESC LIMIT ${page.limit + 1}`,
    ),
    statement(
      db,
      sql`SELECT count(*) AS n FROM notifications WHERE recipient_id = ${userId} AND read_at IS NULL AND count > 0`,
    ),
  ]);
  const found = ((rows?.results ?? []) as Row[]).slice(0, page.limit);
  const actorIds = [...new Set(found.flatMap((r) => JSON.parse(r.actors) as string[]))];
  const people = new Map<string, NotificationView["actors"][number]>();
  if (actorIds.length > 0) {
    const result = await db.$client
      .prepare(
        "SELECT id, username, display_name AS displayName FROM users WHERE id IN (SELECT value FROM json_each(?))",
      )
      .bind(JSON.stringify(actorIds))
      .all<NotificationView["actors"][number]>();
    for (const p of result.results) people.set(p.id, p);
  }
  const items = found.map((r) => ({
    id: r.id,
    kind: r.kind,
    subject: r.subject,
    actors: (JSON.parse(r.actors) as string[]).flatMap((id) => people.get(id) ?? []),
    count: r.count,
    latestAt: new Date(r.latest_at).toISOString(),
    read: r.read_at !== null,
  }));
  const last = found.at(-1);
  const more = (rows?.results.length ?? 0) > page.limit && last;
  return {
    items,
    unread: (unread?.results[0] as { n: number } | undefined)?.n ?? 0,
    nextCursor: more ? encodeCursor({ k: "notifications", t: last.latest_at, id: last.id }) : null,
  };
}

/** Marks `userId`'s notifications up to `upTo` (their latest time) read; answers the unread count left. */
export async function markNotificationsRead(db: Db, userId: string, upTo: Date): Promise<{ unread: number }> {
  if (Number.isNaN(upTo.getTime())) throw errors.validation([{ path: "upTo", message: "Not a time." }]);
  const [, left] = await runBatch(db, [
    statement(
      db,
      sql`UPDATE notifications SET read_at = ${Date.now()} WHERE recipient_id = ${userId} AND read_at IS NULL AND latest_at <= ${upTo.getTime()}`,
    ),
    statement(
      db,
      sql`SELECT count(*) AS n FROM notifications WHERE recipient_id = ${userId} AND read_at IS NULL AND count > 0`,
    ),
  ]);
  return { unread: (left?.results[0] as { n: number } | undefined)?.n ?? 0 };
}

// The moderation audit log: one append-only D1 row per moderation action (who, what, target, when, note).
import { desc, lt } from "drizzle-orm";
import type { Db } from "../../db/client";
import { moderationAudit } from "../../db/schema";
import { errors } from "../../errors";
import { decodeIdCursor, encodeIdCursor } from "../../lib/cursor";
import { newId } from "../../lib/ids";

/** The actions the log records; their names are part of the API (`GET /v1/admin/audit`). */
export type AuditAction =
  | "role.set"
  | "report.dismiss"
  | "report.remove"
  | "report.suspend"
  | "post.remove"
  | "comment.remove"
  | "message.remove"
  | "user.suspend"
  | "user.unsuspend"
  | "room.ban"
  | "room.unban"
  | "room.mute"
  | "room.unmute";

export interface AuditEntry {
  actorId: string;
  action: AuditAction;
  target: { kind: string; id: string };
  note?: string | undefined;
  details?: Record<string, unknown> | undefined;
}

/** The insert statement of one audit row, for a `db.batch` beside the action it records. */
export function auditStatement(db: Db, entry: AuditEntry) {
  return db.insert(moderationAudit).values({
    id: newId(),
    actorId: entry.actorId,
    action: entry.action,
    targetKind: entry.target.kind,
    targetId: entry.target.id,
    note: entry.note ?? null,
    details: entry.details === undefined ? null : JSON.stringify(entry.details),
  });
}

/** Records one action on its own. */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await auditStatement(db, entry);
}

export interface AuditView {
  id: string;
  actorId: string;
  action: string;
  target: { kind: string; id: string };
  note: string | null;
  details: Record<string, unknown> | null;
  createdAt: string;
}

/** A page of the audit log, newest first (ids are UUIDv7). */
export async function listAudit(
  db: Db,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: AuditView[]; nextCursor: string | null }> {
  const before = page.cursor === undefined ? undefined : decodeIdCursor("audit", page.cursor);
  if (page.cursor !== undefined && before === undefined) throw errors.invalidCursor();
  const rows = await db
    .select()
    .from(moderationAudit)
    .where(before === undefined ? undefined : lt(moderationAudit.id, before))
    .orderBy(desc(moderationAudit.id))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit).map((r) => ({
    id: r.id,
    actorId: r.actorId,
    action: r.action,
    target: { kind: r.targetKind, id: r.targetId },
    note: r.note,
    details: r.details === null ? null : (JSON.parse(r.details) as Record<string, unknown>),
    createdAt: r.createdAt.toISOString(),
  }));
  const last = items.at(-1);
  return { items, nextCursor: rows.length > page.limit && last ? encodeIdCursor("audit", last.id) : null };
}

// Reports: a user flags a post, comment, message or user; moderators page through open reports
// (with the content as reported) and resolve each by dismissing it, removing the content, or
// suspending its author. Every resolution is in the audit log.
import { and, desc, eq, lt } from "drizzle-orm";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { reports } from "../../db/schema";
import { errors } from "../../errors";
import { decodeIdCursor, encodeIdCursor } from "../../lib/cursor";
import { newId } from "../../lib/ids";
import type { FeedContext } from "../feed-context";
import { auditStatement } from "./audit";
import { removeMessageAsModerator } from "./message-removal";
import { removeComment, removePost } from "./removal";
import { type ReportTarget, type Snapshot, snapshotOf } from "./snapshots";
import { suspendUser } from "./suspensions";

export type ReportReason = "spam" | "abuse" | "illegal" | "other";
export type ReportStatus = "open" | "resolved";
export type ReportAction = "dismiss" | "remove" | "suspend";

export interface ReportView {
  id: string;
  reporterId: string;
  target: ReportTarget;
  reason: ReportReason;
  note: string | null;
  status: ReportStatus;
  /** The content as it was when reported. */
  snapshot: Snapshot;
  resolution: { action: ReportAction; by: string; at: string; note: string | null } | null;
  createdAt: string;
}

type ReportRow = typeof reports.$inferSelect;

function toView(row: ReportRow): ReportView {
  return {
    id: row.id,
    reporterId: row.reporterId,
    target: { kind: row.targetKind, id: row.targetId, ...(row.roomId ? { roomId: row.roomId } : {}) },
    reason: row.reason,
    note: row.note,
    status: row.status,
    snapshot: JSON.parse(row.snapshot) as Snapshot,
    resolution:
      row.resolution && row.resolvedBy && row.resolvedAt
        ? { action: row.resolution, by: row.resolvedBy, at: row.resolvedAt.toISOString(), note: row.resolutionNote }
        : null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** Files a report; a second open report by the same reporter on the same target is 409 `already_reported`. */
export async function fileReport(
  db: Db,
  env: Env,
  reporterId: string,
  input: { target: ReportTarget; reason: ReportReason; note?: string | undefined },
): Promise<ReportView> {
  const { target } = input;
  if (target.kind === "user" && target.id === reporterId) {
    throw errors.unprocessable("cannot_report_self", "You cannot report yourself.");
  }
  const snapshot = await snapshotOf(db, env, reporterId, target);
  // The partial unique index (reporter, target) WHERE open decides; DO NOTHING makes a second one no row.
  const [row] = await db
    .insert(reports)
    .values({
      id: newId(),
      reporterId,
      targetKind: target.kind,
      targetId: target.id,
      roomId: target.kind === "message" ? (target.roomId ?? null) : null,
      targetUserId: snapshot.authorId,
      reason: input.reason,
      note: input.note ?? null,
      snapshot: JSON.stringify(snapshot),
    })
    .onConflictDoNothing()
    .returning();
  if (!row) throw errors.conflict("already_reported", "You already have an open report on this.");
  return toView(row);
}

/** A page of reports with `status`, newest first. */
export async function listReports(
  db: Db,
  status: ReportStatus,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: ReportView[]; nextCursor: string | null }> {
  const kind = `reports:${status}`;
  const before = page.cursor === undefined ? undefined : decodeIdCursor(kind, page.cursor);
  if (page.cursor !== undefined && before === undefined) throw errors.invalidCursor();
  const rows = await db
    .select()
    .from(reports)
    .where(and(eq(reports.status, status), before === undefined ? undefined : lt(reports.id, before)))
    .orderBy(desc(reports.id))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit).map(toView);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > page.limit && last ? encodeIdCursor(kind, last.id) : null };
}

export interface ResolveContext {
  feed: FeedContext;
  env: Env;
  config: Config;
}

/**
 * Resolves an open report (409 `report_resolved` if it is not open): `remove` deletes the
 * content (a post or comment; a user report cannot be removed), `suspend` suspends its author
 * until lifted. The report is closed and the action audited in one batch.
 */
export async function resolveReport(
  ctx: ResolveContext,
  actorId: string,
  reportId: string,
  input: { action: ReportAction; note?: string | undefined },
): Promise<ReportView> {
  const { db } = ctx.feed;
  const row = await db.select().from(reports).where(eq(reports.id, reportId)).get();
  if (!row) throw errors.notFound("report");
  if (row.status !== "open") throw errors.conflict("report_resolved", "This report is already resolved.");
  const note = input.note;
  if (input.action === "remove") {
    if (row.targetKind === "post")
      await removeIfPresent(() => removePost(ctx.feed, actorId, row.targetId, note, "moderator"));
    else if (row.targetKind === "comment")
      await removeIfPresent(() => removeComment(ctx.feed, actorId, row.targetId, note, "moderator"));
    else if (row.targetKind === "message" && row.roomId) {
      const { env } = ctx;
      const roomId = row.roomId;
      await removeIfPresent(() => removeMessageAsModerator(db, env, roomId, actorId, Number(row.targetId), note));
    } else throw errors.unprocessable("action_not_applicable", "A user report is resolved with dismiss or suspend.");
  } else if (input.action === "suspend") {
    if (!row.targetUserId) throw errors.unprocessable("action_not_applicable", "This report names no user.");
    await suspendUser(ctx.env, db, ctx.config, actorId, row.targetUserId, {
      reason: note ?? `report ${row.id}: ${row.reason}`,
    });
  }
  const now = new Date();
  const [updated] = await db.batch([
    db
      .update(reports)
      .set({
        status: "resolved",
        resolution: input.action,
        resolvedBy: actorId,
        resolvedAt: now,
        resolutionNote: note ?? null,
      })
      .where(and(eq(reports.id, reportId), eq(reports.status, "open")))
      .returning(),
    auditStatement(db, {
      actorId,
      action: `report.${input.action}`,
      target: { kind: "report", id: reportId },
      note,
      details: { targetKind: row.targetKind, targetId: row.targetId },
    }),
  ]);
  const resolved = updated[0];
  if (!resolved) throw errors.conflict("report_resolved", "This report is already resolved.");
  return toView(resolved);
}

/** Content already gone (deleted by its author since) counts as removed. */
async function removeIfPresent(remove: () => Promise<unknown>): Promise<void> {
  try {
    await remove();
  } catch (err) {
    if (!(err instanceof Error && "code" in err && err.code === "not_found")) throw err;
  }
}

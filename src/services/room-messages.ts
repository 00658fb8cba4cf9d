// Room messages over HTTP: sending (the room object decides, exactly as for a socket), read
// cursors, and history paging across the room's window and the D1 archive.
//
// History: the room object keeps every message with seq > floorSeq; every seq <= floorSeq
// has been trimmed from it and is in D1 (the room checks D1 before it trims). So a page is
// the D1 part of the range below or at the floor followed by the room part above it.
import { and, asc, desc, eq, gt, lt, lte } from "drizzle-orm";
import type { Db } from "../db/client";
import { messages } from "../db/schema";
import { AppError, errors } from "../errors";
import type { Message } from "../protocol/protocol";
import type { RoomRefusal, Sender } from "../protocol/rooms";
import { inboxStub } from "./inbox-sync";
import { roomStub, saveReadCursor } from "./rooms";

/** Where the next page starts: after a seq (newer) or before one (older). */
export type MessageCursor = { after: number } | { before: number };

/** Maps a room's refusal to the API's error. */
export function refuseRoom(r: RoomRefusal): never {
  if (r.code === "not_member") throw errors.notFound("room");
  if (r.code === "message_not_found") throw errors.notFound("message");
  if (r.code === "blocked") throw errors.blocked();
  if (r.code === "not_sender") throw errors.forbidden("Only the sender can change a message.");
  if (r.code === "rate_limited") throw errors.rateLimited(r.retryAfter ?? 1);
  if (r.code === "message_deleted") throw errors.conflict("message_deleted", r.detail);
  if (r.code === "muted") throw new AppError(403, "muted", "Muted", r.detail, { until: r.until ?? null });
  throw errors.unprocessable(r.code, r.detail);
}

/** Sends a message as `sender`; `created` is false for a resend of a known clientMsgId. */
export async function sendMessage(env: Env, roomId: string, sender: Sender, clientMsgId: string, body: string) {
  const result = await roomStub(env, roomId).post(sender, clientMsgId, body);
  if (!result.ok) refuseRoom(result);
  return { message: result.message, created: result.created };
}

/** Moves the caller's read cursor (in the room, and in D1 at once for `unread`). */
export async function markRead(db: Db, env: Env, roomId: string, userId: string, seq: number): Promise<void> {
  const result = await roomStub(env, roomId).markRead(userId, seq);
  if (!result.ok) refuseRoom(result);
  // The inbox takes the room's count and tells every device.
  await inboxStub(env, userId).applyRead(roomId, result);
  await saveReadCursor(db, roomId, userId, result.readSeq);
}

/** Edits (`body`) or deletes one of the caller's messages; returns it in its new state. */
export async function changeMessage(
  env: Env,
  roomId: string,
  editorId: string,
  seq: number,
  body?: string,
): Promise<Message> {
  const request =
    body === undefined ? { kind: "delete" as const, editorId, seq } : { kind: "edit" as const, editorId, seq, body };
  const result = await roomStub(env, roomId).change(request);
  if (!result.ok) refuseRoom(result);
  return result.message;
}

/** One page of history, oldest first, and the cursor of the next page in the same direction. */
export async function pageMessages(
  db: Db,
  env: Env,
  roomId: string,
  userId: string,
  query: MessageCursor | undefined,
  limit: number,
): Promise<{ items: Message[]; next: MessageCursor | undefined }> {
  const recent = await roomStub(env, roomId).recent(userId, { ...(query ?? {}), limit });
  if ("ok" in recent) refuseRoom(recent);
  const { floorSeq, lastSeq } = recent;
  if (query && "after" in query) {
    const archived =
      query.after < floorSeq ? await archiveRange(db, roomId, { gt: query.after, lte: floorSeq }, limit, "asc") : [];
    const items = [...archived, ...recent.items].slice(0, limit);
    const tail = items.at(-1);
    return { items, next: items.length === limit && tail && tail.seq < lastSeq ? { after: tail.seq } : undefined };
  }
  const before = query?.before ?? lastSeq + 1;
  let items = recent.items;
  if (items.length < limit && floorSeq > 0 && Math.min(before, floorSeq + 1) > 1) {
    const below = Math.min(before, items[0]?.seq ?? floorSeq + 1, floorSeq + 1);
    const archived = await archiveRange(db, roomId, { lt: below }, limit - items.length, "desc");
    items = [...archived.reverse(), ...items];
  }
  const head = items[0];
  return { items, next: items.length === limit && head && head.seq > 1 ? { before: head.seq } : undefined };
}

async function archiveRange(
  db: Db,
  roomId: string,
  range: { gt?: number; lte?: number; lt?: number },
  limit: number,
  order: "asc" | "desc",
): Promise<Message[]> {
  const rows = await db
    .select()
    .from(messages)
    .where(
      and(
        eq(messages.roomId, roomId),
        range.gt !== undefined ? gt(messages.seq, range.gt) : undefined,
        range.lte !== undefined ? lte(messages.seq, range.lte) : undefined,
        range.lt !== undefined ? lt(messages.seq, range.lt) : undefined,
        eq(messages.kind, "message"),
      ),
    )
    .orderBy(order === "asc" ? asc(messages.seq) : desc(messages.seq))
    .limit(limit);
  return rows.map(archivedMessage);
}

/** A D1 archive row in the API's message shape, in its latest state. */
export function archivedMessage(row: typeof messages.$inferSelect): Message {
  return {
    id: row.id,
    roomId: row.roomId,
    seq: row.seq,
    clientMsgId: row.clientMsgId,
    sender: { id: row.senderId, username: row.senderUsername },
    body: row.body,
    createdAt: row.createdAt.toISOString(),
    ...(row.editedAt ? { editedAt: row.editedAt.toISOString() } : {}),
    ...(row.deletedAt ? { deletedAt: row.deletedAt.toISOString() } : {}),
  };
}

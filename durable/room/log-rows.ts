// Rows of a room's log and what they become: API messages, socket entries and archive rows.
// A row is a message (kind "message") or an edit/delete entry naming the message it changed.
import type { Message, RoomEntry } from "../../src/protocol/protocol";
import type { ArchiveRow } from "../../src/protocol/room-events";

export type RowKind = "message" | "edit" | "delete";

export interface MessageRow extends Record<string, SqlStorageValue> {
  seq: number;
  id: string;
  client_msg_id: string;
  sender_id: string;
  sender_username: string;
  body: string;
  created_at: number;
  kind: RowKind;
  ref_seq: number | null;
  edited_at: number | null;
  deleted_at: number | null;
  revision: number;
}

const iso = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString());

/** A message row in the API's shape, in its latest state. */
export function toMessage(roomId: string, row: MessageRow): Message {
  const editedAt = iso(row.edited_at);
  const deletedAt = iso(row.deleted_at);
  return {
    id: row.id,
    roomId,
    seq: row.seq,
    clientMsgId: row.client_msg_id,
    sender: { id: row.sender_id, username: row.sender_username },
    body: row.body,
    createdAt: new Date(row.created_at).toISOString(),
    ...(editedAt ? { editedAt } : {}),
    ...(deletedAt ? { deletedAt } : {}),
  };
}

/**
 * A log row as a socket entry. An edit/delete carries its target's latest state; a target
 * already trimmed (older than the room keeps) is rebuilt from the entry itself.
 */
export function toEntry(roomId: string, row: MessageRow, target: MessageRow | undefined): RoomEntry {
  if (row.kind === "message") return { type: "message", message: toMessage(roomId, row) };
  const type = row.kind === "edit" ? "edited" : "deleted";
  if (target) return { type, seq: row.seq, message: toMessage(roomId, target) };
  const at = new Date(row.created_at).toISOString();
  const message: Message = {
    id: "",
    roomId,
    seq: row.ref_seq ?? 0,
    clientMsgId: "",
    sender: { id: row.sender_id, username: row.sender_username },
    body: row.body,
    createdAt: at,
    ...(row.kind === "edit" ? { editedAt: at } : { deletedAt: at }),
  };
  return { type, seq: row.seq, message };
}

/** A log row for the D1 archive. */
export function toArchiveRow(roomId: string, row: MessageRow): ArchiveRow {
  return {
    ...toMessage(roomId, row),
    kind: row.kind,
    ...(row.ref_seq !== null ? { refSeq: row.ref_seq } : {}),
    revision: row.revision,
  };
}

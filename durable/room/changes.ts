// Edits and deletes: only the sender, only within the edit window, never a deleted
// message. Each change is a log entry of its own (a new seq), so it keeps the room's order,
// is replayed on resume, reaches inboxes through the same fan-out, and reaches the archive.
import type { Message, RoomEntry } from "../../src/protocol/protocol";
import type { RoomRefusal } from "../../src/protocol/rooms";
import type { RoomStore } from "./storage";
import { refuseBody } from "./body";

export interface ChangeRequest {
  kind: "edit" | "delete";
  editorId: string;
  seq: number;
  /** The new body (edits). */
  body?: string;
}

/** The result of a change: the new entry (null when nothing changed) and the message as it is now, or why not. */
export type ChangeResult = { ok: true; entry: RoomEntry | null; message: Message } | RoomRefusal;

/** Checks and appends a change; `entry` is null when there was nothing to change. */
export function applyChange(
  store: RoomStore,
  request: ChangeRequest,
  limits: { editWindowMs: number; maxBodyChars: number },
  now: number,
  newId: () => string,
): ChangeResult {
  const target = store.row(request.seq);
  if (target?.kind !== "message") return refuse("message_not_found", "No such message in this room.");
  if (target.sender_id !== request.editorId) return refuse("not_sender", "Only the sender can change a message.");
  const current = () => store.after(target.seq - 1, 1)[0]!;
  if (target.deleted_at !== null) {
    return request.kind === "delete"
      ? { ok: true, entry: null, message: current() }
      : refuse("message_deleted", "The message was deleted.");
  }
  if (now - target.created_at > limits.editWindowMs)
    return refuse("edit_window_closed", "The message is too old to change.");
  const body = request.kind === "edit" ? (request.body ?? "") : "";
  if (request.kind === "edit") {
    const bad = refuseBody(body, limits.maxBodyChars);
    if (bad) return bad;
    if (body === target.body) return { ok: true, entry: null, message: current() };
  }
  const entry = store.appendChange(request.kind, target, body, now, newId());
  return { ok: true, entry, message: entry.message };
}

function refuse(code: RoomRefusal["code"], detail: string): RoomRefusal {
  return { ok: false, code, detail };
}

// Room sanctions kept by the Room object: mutes (a muted member may read but not send until the
// mute ends) and a moderator's removal of any message.
// Mutes have their own table beside the room's log (created here, not in storage.ts's schema)
// and an in-memory copy, so the check on every send costs no storage read.
import type { ChangeResult } from "./changes";
import type { RoomStore } from "./storage";

const SCHEMA = `CREATE TABLE IF NOT EXISTS mutes (user_id TEXT PRIMARY KEY, until INTEGER NOT NULL)`;

export class RoomMutes {
  private readonly until = new Map<string, number>();

  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
    for (const row of sql.exec<{ user_id: string; until: number }>("SELECT user_id, until FROM mutes")) {
      this.until.set(row.user_id, row.until);
    }
  }

  /** Mutes `userId` until `untilMs` (replacing an earlier mute). */
  set(userId: string, untilMs: number): void {
    this.sql.exec(
      "INSERT INTO mutes (user_id, until) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET until = excluded.until",
      userId,
      untilMs,
    );
    this.until.set(userId, untilMs);
  }

  /** Lifts a mute (idempotent). */
  clear(userId: string): void {
    this.sql.exec("DELETE FROM mutes WHERE user_id = ?", userId);
    this.until.delete(userId);
  }

  /** When `userId`'s mute ends, or undefined when they are not muted at `now` (an ended mute is forgotten). */
  mutedUntil(userId: string, now: number): number | undefined {
    const until = this.until.get(userId);
    if (until === undefined) return undefined;
    if (until > now) return until;
    this.clear(userId);
    return undefined;
  }
}

/** The refusal of a muted member's send. */
export function mutedRefusal(untilMs: number) {
  const until = new Date(untilMs).toISOString();
  return { ok: false as const, code: "muted" as const, detail: `You are muted in this room until ${until}.`, until };
}

/**
 * A moderator's removal of any message: a delete entry like the sender's own (a new seq, the
 * message a tombstone for everyone, on resume and in the archive), without the sender and
 * edit-window checks. The Worker decides who is a moderator here.
 */
export function removeByModerator(store: RoomStore, seq: number, now: number, newId: () => string): ChangeResult {
  const target = store.row(seq);
  if (target?.kind !== "message")
    return { ok: false, code: "message_not_found", detail: "No such message in this room." };
  if (target.deleted_at !== null) return { ok: true, entry: null, message: store.after(target.seq - 1, 1)[0]! };
  const entry = store.appendChange("delete", target, "", now, newId());
  return { ok: true, entry, message: entry.message };
}

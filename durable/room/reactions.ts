// Reactions on the messages a room keeps (docs/decisions/0084). One row per (message, emoji,
// member) in a table of its own beside the log (created here, not in storage.ts's schema);
// counts are queries over the primary key. A reaction is not a log entry: it takes no seq,
// is not fanned out to inboxes and writes nothing per member.
import type { Message, ReactionSummary, RoomEntry } from "../../src/protocol/protocol";
import { isReactionEmoji, MAX_REACTIONS_PER_MESSAGE } from "../../src/protocol/reactions";
import type { RoomRefusal } from "../../src/protocol/rooms";
import type { RoomStore } from "./storage";

const SCHEMA = `CREATE TABLE IF NOT EXISTS reactions (
  seq INTEGER NOT NULL, emoji TEXT NOT NULL, user_id TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (seq, emoji, user_id)) WITHOUT ROWID`;

/** What a reaction request asks. */
export interface ReactionRequest {
  userId: string;
  seq: number;
  emoji: string;
  op: "add" | "remove";
}

/** The result of a reaction request: whether it changed anything and the emoji's count now, or why not. */
export type ReactionResult = { ok: true; changed: boolean; count: number } | RoomRefusal;

interface SummaryRow extends Record<string, SqlStorageValue> {
  seq: number;
  emoji: string;
  n: number;
  me: number;
}

export class RoomReactions {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  /**
   * Adds or removes a reaction on a message the room keeps (not deleted); idempotent per
   * member and emoji. The caller has checked membership and sanctions.
   */
  apply(store: RoomStore, request: ReactionRequest, now: number): ReactionResult {
    const { userId, seq, emoji, op } = request;
    if (!isReactionEmoji(emoji)) return refuse("bad_emoji", "Expected one emoji or a known :shortcode:.");
    const target = store.row(seq);
    if (target?.kind !== "message" || target.deleted_at !== null)
      return refuse("message_not_found", "No such message in this room.");
    if (op === "remove") {
      const changed =
        this.sql.exec("DELETE FROM reactions WHERE seq = ? AND emoji = ? AND user_id = ?", seq, emoji, userId)
          .rowsWritten > 0;
      return { ok: true, changed, count: this.count(seq, emoji) };
    }
    const before = this.count(seq, emoji);
    if (before === 0 && this.distinct(seq) >= MAX_REACTIONS_PER_MESSAGE)
      return refuse("too_many_reactions", `A message carries at most ${MAX_REACTIONS_PER_MESSAGE} distinct emoji.`);
    const changed =
      this.sql.exec(
        "INSERT INTO reactions (seq, emoji, user_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        seq,
        emoji,
        userId,
        now,
      ).rowsWritten > 0;
    return { ok: true, changed, count: changed ? before + 1 : before };
  }

  /** Reactions of the messages with seq in [from, to], by seq, with `me` relative to `readerId`. */
  summaries(from: number, to: number, readerId: string): Map<number, ReactionSummary[]> {
    const out = new Map<number, ReactionSummary[]>();
    if (to < from) return out;
    const rows = this.sql.exec<SummaryRow>(
      `SELECT seq, emoji, COUNT(*) AS n, MAX(user_id = ?) AS me, MIN(created_at) AS first FROM reactions
       WHERE seq >= ? AND seq <= ? GROUP BY seq, emoji ORDER BY seq, first, emoji`,
      readerId,
      from,
      to,
    );
    for (const row of rows) {
      const list = out.get(row.seq) ?? [];
      list.push({ emoji: row.emoji, count: row.n, me: row.me === 1 });
      out.set(row.seq, list);
    }
    return out;
  }

  /** `messages` with their `reactions` as `readerId` sees them (a message with none is unchanged). */
  decorate(messages: readonly Message[], readerId: string): Message[] {
    if (messages.length === 0) return [];
    const seqs = messages.map((m) => m.seq);
    const found = this.summaries(Math.min(...seqs), Math.max(...seqs), readerId);
    return messages.map((m) => withReactions(m, found.get(m.seq)));
  }

  /** Log entries with their messages' `reactions` as `readerId` sees them (a deleted message has none). */
  decorateEntries(entries: readonly RoomEntry[], readerId: string): RoomEntry[] {
    const shown = entries.filter((e) => e.type !== "deleted").map((e) => e.message.seq);
    if (shown.length === 0) return [...entries];
    const found = this.summaries(Math.min(...shown), Math.max(...shown), readerId);
    return entries.map((e) =>
      e.type === "deleted" ? e : { ...e, message: withReactions(e.message, found.get(e.message.seq)) },
    );
  }

  /** True when the message has any reaction (an edit then carries per-reader state). */
  has(seq: number): boolean {
    return this.sql.exec("SELECT 1 FROM reactions WHERE seq = ? LIMIT 1", seq).toArray().length > 0;
  }

  /** Drops a message's reactions (it was deleted). */
  dropMessage(seq: number): void {
    this.sql.exec("DELETE FROM reactions WHERE seq = ?", seq);
  }

  /** Drops the reactions of messages the room no longer keeps (seq <= its floor). */
  dropThrough(seq: number): void {
    this.sql.exec("DELETE FROM reactions WHERE seq <= ?", seq);
  }

  private count(seq: number, emoji: string): number {
    return this.sql
      .exec<{ n: number }>("SELECT COUNT(*) AS n FROM reactions WHERE seq = ? AND emoji = ?", seq, emoji)
      .one().n;
  }

  private distinct(seq: number): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(DISTINCT emoji) AS n FROM reactions WHERE seq = ?", seq).one().n;
  }
}

/** `message` carrying `reactions` (none: the message as it was, without the field). */
export function withReactions(message: Message, reactions: ReactionSummary[] | undefined): Message {
  if (!reactions || reactions.length === 0) return message;
  return { ...message, reactions };
}

function refuse(code: RoomRefusal["code"], detail: string): RoomRefusal {
  return { ok: false, code, detail };
}

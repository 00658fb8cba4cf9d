// The Room object's SQLite storage: its message log, its member set with read cursors, and
// one state row (room id, epoch, last/archived/floor seq). Every method is synchronous, so a
// caller's read-modify-write can never interleave with another event.
import type { Message, RoomEntry } from "../../src/protocol/protocol";
import type { ArchiveRow } from "../../src/protocol/room-events";
import type { MemberRole, RoomKind, RoomMember, Sender } from "../../src/protocol/rooms";
import { MeteredSql } from "../sql-meter";
import { type MessageRow, toArchiveRow, toEntry, toMessage } from "./log-rows";

interface StateRow extends Record<string, SqlStorageValue> {
  room_id: string | null;
  kind: string | null;
  epoch: string;
  last_seq: number;
  archived_seq: number;
  floor_seq: number;
  fanout_seq: number;
}

/** A message to store. */
export interface NewMessage {
  sender: Sender;
  clientMsgId: string;
  body: string;
}

/** The room's counters. `floorSeq`: every seq <= floor has left this storage (it is in D1). */
export interface RoomState {
  roomId: string | null;
  kind: RoomKind | null;
  /** Changes only if the log is ever reset; a client's `since` from another epoch is meaningless. */
  epoch: string;
  lastSeq: number;
  archivedSeq: number;
  floorSeq: number;
  /** Every entry with seq <= fanoutSeq has been handed to the inboxes listening at the time (im). */
  fanoutSeq: number;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL, client_msg_id TEXT NOT NULL, sender_id TEXT NOT NULL,
    sender_username TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL,
    kind TEXT NOT NULL DEFAULT 'message', ref_seq INTEGER, edited_at INTEGER, deleted_at INTEGER,
    revision INTEGER NOT NULL DEFAULT 0,
    UNIQUE (sender_id, client_msg_id))`,
  `CREATE TABLE IF NOT EXISTS members (
    user_id TEXT PRIMARY KEY, role TEXT NOT NULL,
    read_seq INTEGER NOT NULL DEFAULT 0, read_synced INTEGER NOT NULL DEFAULT 1,
    blocks_peer INTEGER NOT NULL DEFAULT 0, inbox_since INTEGER NOT NULL DEFAULT 0)`,
  `CREATE TABLE IF NOT EXISTS room_state (
    id INTEGER PRIMARY KEY CHECK (id = 1), room_id TEXT, kind TEXT, epoch TEXT NOT NULL,
    last_seq INTEGER NOT NULL, archived_seq INTEGER NOT NULL, floor_seq INTEGER NOT NULL,
    fanout_seq INTEGER)`,
];

/** clientMsgId prefix of edit/delete entries (a client's ids cannot collide: they are per sender and this one is the entry's id). */
const CHANGE_ID_PREFIX = "change:";

/** A member whose inbox wants this room's rounds, and the stamp of its last attach. */
export interface Listener {
  userId: string;
  since: number;
}

/** Roles kept in memory at most (a big channel's active writers). */
const ROLE_CACHE_SIZE = 5_000;

export class RoomStore {
  #state: RoomState;
  #memberCount: number | undefined;
  readonly #roles = new Map<string, MemberRole | null>();
  #listeners: Listener[] | undefined;
  private readonly sql: MeteredSql;

  constructor(
    private readonly storage: DurableObjectStorage,
    newId: () => string,
  ) {
    this.sql = new MeteredSql(storage.sql);
    for (const statement of SCHEMA) this.sql.exec(statement);
    // Rooms made before read state (docs/decisions/0071): nobody listens until their inbox attaches.
    const columns = this.sql.exec<{ name: string }>("PRAGMA table_info(members)").toArray();
    if (!columns.some((c) => c.name === "inbox_since"))
      this.sql.exec("ALTER TABLE members ADD COLUMN inbox_since INTEGER NOT NULL DEFAULT 0");
    this.sql.exec("CREATE INDEX IF NOT EXISTS members_listening ON members (inbox_since) WHERE inbox_since > 0");
    // The state row, created with the room (seqs derived from the log, empty for a new room).
    this.sql.exec(
      `INSERT OR IGNORE INTO room_state (id, epoch, last_seq, archived_seq, floor_seq)
       SELECT 1, ?, COALESCE(MAX(seq), 0), 0, COALESCE(MIN(seq) - 1, 0) FROM messages`,
      newId(),
    );
    // Fan-out starts at the head the room has when the row is made.
    this.sql.exec("UPDATE room_state SET fanout_seq = last_seq WHERE fanout_seq IS NULL");
    this.#state = this.readState();
  }

  get state(): Readonly<RoomState> {
    return this.#state;
  }

  /**
   * The state row, with the last seq derived: the log's newest seq, or the floor when trimming
   * emptied the log (every seq <= floor was deleted, none above it), never below the stored
   * `last_seq` (kept by rooms written before it stopped being updated per commit). Seqs are
   * never handed out twice: a row above the floor is only deleted by a trim, which raises it.
   */
  private readState(): RoomState {
    const row = this.sql.exec<StateRow>("SELECT * FROM room_state WHERE id = 1").one();
    const newest = this.sql.exec<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM messages").one().seq ?? 0;
    return {
      roomId: row.room_id,
      kind: row.kind as RoomKind | null,
      epoch: row.epoch,
      lastSeq: Math.max(row.last_seq, row.floor_seq, newest),
      archivedSeq: row.archived_seq,
      floorSeq: row.floor_seq,
      fanoutSeq: row.fanout_seq,
    };
  }

  /** Names the room once; a later call with another id is refused. */
  setup(roomId: string, kind: RoomKind): boolean {
    if (this.#state.roomId !== null) return this.#state.roomId === roomId;
    this.sql.exec("UPDATE room_state SET room_id = ?, kind = ? WHERE id = 1", roomId, kind);
    this.#state = this.readState();
    return true;
  }

  /**
   * Stores messages with the room's next seqs in one transaction (one commit for the whole
   * group), or returns the one a sender already stored under the same `clientMsgId` (also
   * within the group). Seqs continue from the state's last seq (see readState). A sender has
   * read the room up to their own newest message: one cursor update per sender per group.
   */
  appendMany(items: readonly NewMessage[], now: number, newId: () => string): { message: Message; created: boolean }[] {
    return this.storage.transactionSync(() => {
      let seq = this.#state.lastSeq;
      const sentThrough = new Map<string, number>();
      const results = items.map(({ sender, clientMsgId, body }) => {
        const existing = this.sql
          .exec<MessageRow>(
            "SELECT * FROM messages WHERE sender_id = ? AND client_msg_id = ?",
            sender.userId,
            clientMsgId,
          )
          .toArray()[0];
        if (existing) return { message: this.toMessage(existing), created: false };
        seq++;
        const row: MessageRow = {
          seq,
          id: newId(),
          client_msg_id: clientMsgId,
          sender_id: sender.userId,
          sender_username: sender.username,
          body,
          created_at: now,
          kind: "message",
          ref_seq: null,
          edited_at: null,
          deleted_at: null,
          revision: 0,
        };
        this.sql.exec(
          `INSERT INTO messages (seq, id, client_msg_id, sender_id, sender_username, body, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
          row.seq,
          row.id,
          row.client_msg_id,
          row.sender_id,
          row.sender_username,
          row.body,
          row.created_at,
        );
        sentThrough.set(sender.userId, seq);
        return { message: this.toMessage(row), created: true };
      });
      // Not marked for the D1 copy: it follows explicit reads only (one row, not three, per send).
      for (const [userId, through] of sentThrough)
        this.sql.exec("UPDATE members SET read_seq = ? WHERE user_id = ? AND read_seq < ?", through, userId, through);
      // The log's newest row is the room's last seq (readState): no state row write per commit.
      if (seq !== this.#state.lastSeq) this.#state = { ...this.#state, lastSeq: seq };
      return results;
    });
  }

  /** Up to `limit` messages (not edit/delete entries) with seq > `after`, oldest first, in their latest state. */
  after(after: number, limit: number): Message[] {
    return this.sql
      .exec<MessageRow>("SELECT * FROM messages WHERE seq > ? AND kind = 'message' ORDER BY seq LIMIT ?", after, limit)
      .toArray()
      .map((row) => this.toMessage(row));
  }

  /** The `limit` newest messages with seq < `before`, oldest first. */
  before(before: number, limit: number): Message[] {
    return this.sql
      .exec<MessageRow>(
        "SELECT * FROM messages WHERE seq < ? AND kind = 'message' ORDER BY seq DESC LIMIT ?",
        before,
        limit,
      )
      .toArray()
      .reverse()
      .map((row) => this.toMessage(row));
  }

  /** Up to `limit` log entries (messages, edits, deletes) with seq > `after`, in seq order. */
  entriesAfter(after: number, limit: number): RoomEntry[] {
    return this.rowsAfter(after, limit).map((row) =>
      toEntry(this.roomId, row, row.ref_seq === null ? undefined : this.row(row.ref_seq)),
    );
  }

  /** Up to `limit` log rows with seq > `after`, as the archive stores them. */
  archiveRowsAfter(after: number, limit: number): ArchiveRow[] {
    return this.rowsAfter(after, limit).map((row) => toArchiveRow(this.roomId, row));
  }

  private rowsAfter(after: number, limit: number): MessageRow[] {
    return this.sql
      .exec<MessageRow>("SELECT * FROM messages WHERE seq > ? ORDER BY seq LIMIT ?", after, limit)
      .toArray();
  }

  /** The log row with `seq`, if the room still keeps it. */
  row(seq: number): MessageRow | undefined {
    return this.sql.exec<MessageRow>("SELECT * FROM messages WHERE seq = ?", seq).toArray()[0];
  }

  /**
   * Appends an edit or delete entry for message `targetSeq` and applies it to the message,
   * in one transaction. The caller has checked who may change it and when.
   */
  appendChange(kind: "edit" | "delete", target: MessageRow, body: string, now: number, id: string): RoomEntry {
    return this.storage.transactionSync(() => {
      const seq = this.#state.lastSeq + 1;
      this.sql.exec(
        `INSERT INTO messages (seq, id, client_msg_id, sender_id, sender_username, body, created_at, kind, ref_seq)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        seq,
        id,
        `${CHANGE_ID_PREFIX}${id}`,
        target.sender_id,
        target.sender_username,
        body,
        now,
        kind,
        target.seq,
      );
      if (kind === "edit")
        this.sql.exec(
          "UPDATE messages SET body = ?, edited_at = ?, revision = ? WHERE seq = ?",
          body,
          now,
          seq,
          target.seq,
        );
      else
        this.sql.exec(
          "UPDATE messages SET body = '', deleted_at = ?, revision = ? WHERE seq = ?",
          now,
          seq,
          target.seq,
        );
      this.#state = { ...this.#state, lastSeq: seq };
      return toEntry(this.roomId, this.row(seq)!, this.row(target.seq));
    });
  }

  /** Records that every entry up to `seq` reached its members' inboxes (or the FANOUT queue). */
  markFannedOut(seq: number): void {
    if (seq <= this.#state.fanoutSeq) return;
    this.sql.exec("UPDATE room_state SET fanout_seq = ? WHERE id = 1", seq);
    this.#state = { ...this.#state, fanoutSeq: seq };
  }

  /**
   * Moves the fan-out mark to the head in memory only: no inbox listened, so nothing was sent
   * and nothing is written. After a restart the stored mark is older and the next round
   * carries a few entries more than needed, which inboxes skip by their high-water mark.
   */
  skipFanout(): void {
    this.#state = { ...this.#state, fanoutSeq: this.#state.lastSeq };
  }

  /** Records that every message up to `seq` has been handed to the archive queue. */
  markArchived(seq: number): void {
    if (seq <= this.#state.archivedSeq) return;
    this.sql.exec("UPDATE room_state SET archived_seq = ? WHERE id = 1", seq);
    this.#state = { ...this.#state, archivedSeq: seq };
  }

  /** Archives again from `seq` (the D1 archive was found missing rows). */
  rewindArchive(seq: number): void {
    this.sql.exec("UPDATE room_state SET archived_seq = ? WHERE id = 1", seq);
    this.#state = { ...this.#state, archivedSeq: seq };
  }

  /** Created time of the oldest message still kept here, if any. */
  oldestCreatedAt(): number | undefined {
    return this.sql.exec<{ t: number }>("SELECT created_at AS t FROM messages ORDER BY seq LIMIT 1").toArray()[0]?.t;
  }

  /**
   * The highest seq that may be trimmed: older than `cutoff`, contiguous from the floor, and
   * already handed to the archive. Returns the floor when nothing may go.
   */
  trimmableThrough(cutoff: number): number {
    const firstKept = this.sql
      .exec<{ seq: number }>("SELECT seq FROM messages WHERE created_at >= ? ORDER BY seq LIMIT 1", cutoff)
      .toArray()[0]?.seq;
    const olderThrough = firstKept === undefined ? this.#state.lastSeq : firstKept - 1;
    return Math.max(this.#state.floorSeq, Math.min(olderThrough, this.#state.archivedSeq));
  }

  /** Deletes every message with seq <= `seq` and raises the floor. */
  trimThrough(seq: number): number {
    if (seq <= this.#state.floorSeq) return 0;
    const deleted = this.storage.transactionSync(() => {
      const cursor = this.sql.exec("DELETE FROM messages WHERE seq <= ?", seq);
      this.sql.exec("UPDATE room_state SET floor_seq = ? WHERE id = 1", seq);
      return cursor.rowsWritten;
    });
    this.#state = { ...this.#state, floorSeq: seq };
    return deleted;
  }

  // ---------------------------------------------------------------- members

  /**
   * The member's role, or undefined for a non-member. Every frame asks, so answers are kept in
   * memory; every member write below clears them.
   */
  role(userId: string): MemberRole | undefined {
    if (this.#roles.has(userId)) return this.#roles.get(userId) ?? undefined;
    const role = this.sql.exec<{ role: string }>("SELECT role FROM members WHERE user_id = ?", userId).toArray()[0]
      ?.role as MemberRole | undefined;
    if (this.#roles.size >= ROLE_CACHE_SIZE) this.#roles.clear();
    this.#roles.set(userId, role ?? null);
    return role;
  }

  /** Forgets what memory holds about members (after any write to the member table). */
  private membersChanged(): void {
    this.#roles.clear();
    this.#listeners = undefined;
    this.#memberCount = undefined;
  }

  /**
   * Adds members or changes their roles; read cursors are kept. A new member starts with
   * everything so far read: joining does not make old messages unread.
   */
  upsertMembers(members: readonly RoomMember[]): void {
    this.membersChanged();
    this.storage.transactionSync(() => {
      for (const m of members) {
        this.sql.exec(
          "INSERT INTO members (user_id, role, read_seq) VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET role = excluded.role",
          m.userId,
          m.role,
          this.#state.lastSeq,
        );
      }
    });
  }

  /** Every member's id. */
  memberIds(): string[] {
    return this.sql
      .exec<{ user_id: string }>("SELECT user_id FROM members")
      .toArray()
      .map((r) => r.user_id);
  }

  /** How many members (counted once, then kept in step by the member writes: every round carries it). */
  memberCount(): number {
    this.#memberCount ??= this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM members").one().n;
    return this.#memberCount;
  }

  /** Sets whether member `userId` blocks the other member of this (direct) room. */
  setBlocksPeer(userId: string, blocks: boolean): void {
    this.sql.exec("UPDATE members SET blocks_peer = ? WHERE user_id = ?", blocks ? 1 : 0, userId);
  }

  /** True when another member blocks `userId` (direct rooms). */
  blockedBy(userId: string): boolean {
    return this.sql.exec("SELECT 1 FROM members WHERE user_id != ? AND blocks_peer = 1", userId).toArray().length > 0;
  }

  /** How many messages from others after `readSeq` are not deleted (those this room still keeps). */
  unreadCount(userId: string, readSeq: number): number {
    return this.sql
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM messages WHERE seq > ? AND kind = 'message' AND sender_id != ? AND deleted_at IS NULL",
        readSeq,
        userId,
      )
      .one().n;
  }

  // ---------------------------------------------------------------- listening inboxes

  /** Members whose inbox wants rounds now. */
  listeners(): Listener[] {
    this.#listeners ??= this.sql
      .exec<{ user_id: string; inbox_since: number }>("SELECT user_id, inbox_since FROM members WHERE inbox_since > 0")
      .toArray()
      .map((r) => ({ userId: r.user_id, since: r.inbox_since }));
    return this.#listeners;
  }

  /**
   * Marks member `userId`'s inbox as listening with a new stamp (always a new one, so a
   * "stopped" answer to an older round cannot undo this attach); false for a non-member.
   */
  attachInbox(userId: string, now: number): boolean {
    this.#listeners = undefined;
    return (
      this.sql.exec("UPDATE members SET inbox_since = max(inbox_since + 1, ?) WHERE user_id = ?", now, userId)
        .rowsWritten > 0
    );
  }

  /** The inbox answered that it stopped listening: no more rounds, unless it attached again since `since`. */
  inboxStopped(userId: string, since: number): void {
    this.#listeners = undefined;
    this.sql.exec("UPDATE members SET inbox_since = 0 WHERE user_id = ? AND inbox_since = ?", userId, since);
  }

  /** Removes a member; returns whether they were one. */
  removeMember(userId: string): boolean {
    this.membersChanged();
    return this.sql.exec("DELETE FROM members WHERE user_id = ?", userId).rowsWritten > 0;
  }

  /** The member's read cursor (0 for a non-member). */
  readSeq(userId: string): number {
    return (
      this.sql.exec<{ s: number }>("SELECT read_seq AS s FROM members WHERE user_id = ?", userId).toArray()[0]?.s ?? 0
    );
  }

  /** Moves a read cursor forward (never back) and marks it for the D1 copy; returns the cursor. */
  markRead(userId: string, seq: number): number {
    this.sql.exec(
      "UPDATE members SET read_seq = ?, read_synced = 0 WHERE user_id = ? AND read_seq < ?",
      seq,
      userId,
      seq,
    );
    return this.readSeq(userId);
  }

  /** Read cursors not yet copied to D1. */
  unsyncedReads(limit: number): { userId: string; seq: number }[] {
    return this.sql
      .exec<{ user_id: string; read_seq: number }>(
        "SELECT user_id, read_seq FROM members WHERE read_synced = 0 LIMIT ?",
        limit,
      )
      .toArray()
      .map((r) => ({ userId: r.user_id, seq: r.read_seq }));
  }

  /** Marks cursors as copied, unless they moved again since they were read. */
  markReadsSynced(cursors: readonly { userId: string; seq: number }[]): void {
    for (const c of cursors) {
      this.sql.exec("UPDATE members SET read_synced = 1 WHERE user_id = ? AND read_seq = ?", c.userId, c.seq);
    }
  }

  private get roomId(): string {
    return this.#state.roomId ?? "";
  }

  private toMessage(row: MessageRow): Message {
    return toMessage(this.roomId, row);
  }
}

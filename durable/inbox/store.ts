// The Inbox object's SQLite storage: the user's room list (one row per room, kept after
// leaving so a late delivery cannot bring it back), the set of unread message seqs per room,
// the (room, seq) pairs already applied (idempotency), push subscriptions and counters.
// Every method is synchronous, so no other event interleaves with a read-modify-write.
import type { InboxCursor, InboxMembership, InboxRoom } from "../../src/protocol/inbox";
import type { Message } from "../../src/protocol/protocol";
import type { MemberRole, RoomKind } from "../../src/protocol/rooms";

interface RoomRow extends Record<string, SqlStorageValue> {
  room_id: string;
  kind: string;
  name: string;
  role: string | null;
  member_count: number;
  created_at: number;
  activity_at: number;
  member: number;
  read_seq: number;
  last_seq: number;
  last_message: string | null;
  peer_id: string | null;
  peer_username: string | null;
  seen_floor: number;
  unread: number;
}

/** A push subscription (RFC 8030 endpoint + RFC 8291 keys). */
export interface PushSubscriptionRow {
  id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  createdAt: string;
}

/** Counters for tests and benchmarks. */
export interface InboxCounters {
  deliveries: number;
  applied: number;
  duplicates: number;
  pushes: number;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS rooms (
    room_id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, role TEXT, member_count INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL, activity_at INTEGER NOT NULL, member INTEGER NOT NULL DEFAULT 1,
    read_seq INTEGER NOT NULL DEFAULT 0, last_seq INTEGER NOT NULL DEFAULT 0, last_message TEXT,
    peer_id TEXT, peer_username TEXT, seen_floor INTEGER NOT NULL DEFAULT 0)`,
  "CREATE INDEX IF NOT EXISTS rooms_by_activity ON rooms (member, activity_at DESC, room_id DESC)",
  `CREATE TABLE IF NOT EXISTS unread (room_id TEXT NOT NULL, seq INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, seq)) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS seen (room_id TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL,
    PRIMARY KEY (room_id, seq)) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS push_subscriptions (id TEXT PRIMARY KEY, endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL, auth TEXT NOT NULL, created_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS inbox_state (id INTEGER PRIMARY KEY CHECK (id = 1), built INTEGER NOT NULL DEFAULT 0,
    deliveries INTEGER NOT NULL DEFAULT 0, applied INTEGER NOT NULL DEFAULT 0, duplicates INTEGER NOT NULL DEFAULT 0,
    pushes INTEGER NOT NULL DEFAULT 0)`,
  "INSERT OR IGNORE INTO inbox_state (id) VALUES (1)",
];

/** Applied (room, seq) pairs kept per room; older ones count as applied (a reorder window). */
const SEEN_WINDOW = 2_000;
/** The seen window's floor moves by at least this many seqs at a time. */
const PRUNE_STEP = 100;

const UNREAD = "(SELECT COUNT(*) FROM unread u WHERE u.room_id = rooms.room_id AND u.deleted = 0)";

export class InboxStore {
  constructor(private readonly storage: DurableObjectStorage) {
    for (const statement of SCHEMA) this.sql.exec(statement);
  }

  private get sql(): SqlStorage {
    return this.storage.sql;
  }

  transaction<T>(work: () => T): T {
    return this.storage.transactionSync(work);
  }

  // ---------------------------------------------------------------- rooms

  /** The room's row (member or not), with its unread count. */
  room(roomId: string): RoomRow | undefined {
    return this.sql.exec<RoomRow>(`SELECT *, ${UNREAD} AS unread FROM rooms WHERE room_id = ?`, roomId).toArray()[0];
  }

  /** Adds a room or updates its facts; a room left before is joined again. The read cursor only moves forward. */
  upsertMembership(m: InboxMembership, now: number): void {
    this.sql.exec(
      `INSERT INTO rooms (room_id, kind, name, role, member_count, created_at, activity_at, member, read_seq, peer_id, peer_username)
       VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
       ON CONFLICT (room_id) DO UPDATE SET kind = excluded.kind, name = excluded.name, role = excluded.role,
         member_count = excluded.member_count, peer_id = excluded.peer_id, peer_username = excluded.peer_username,
         activity_at = CASE WHEN rooms.member = 0 THEN excluded.activity_at ELSE rooms.activity_at END,
         read_seq = max(rooms.read_seq, excluded.read_seq), member = 1`,
      m.roomId,
      m.kind,
      m.name,
      m.role,
      m.memberCount,
      Date.parse(m.createdAt) || now,
      now,
      m.readSeq ?? 0,
      m.peer?.id ?? null,
      m.peer?.username ?? null,
    );
    this.dropReadUnread(m.roomId);
  }

  /** Marks a room as left: it leaves the list and its unread set is dropped. */
  markLeft(roomId: string): boolean {
    const changed =
      this.sql.exec("UPDATE rooms SET member = 0 WHERE room_id = ? AND member = 1", roomId).rowsWritten > 0;
    this.sql.exec("DELETE FROM unread WHERE room_id = ?", roomId);
    return changed;
  }

  /** Sets a room's facts from a delivery (member count) and its last activity. */
  touch(roomId: string, memberCount: number): void {
    this.sql.exec("UPDATE rooms SET member_count = ? WHERE room_id = ?", memberCount, roomId);
  }

  /** Records a new last message if it is the newest seen. */
  setLastMessage(roomId: string, message: Message): void {
    this.sql.exec(
      `UPDATE rooms SET last_message = ?, activity_at = max(activity_at, ?) WHERE room_id = ?
       AND (last_message IS NULL OR json_extract(last_message, '$.seq') <= ?)`,
      JSON.stringify(message),
      Date.parse(message.createdAt) || 0,
      roomId,
      message.seq,
    );
  }

  /** Replaces the last message's state when `message` is it (an edit or delete of the newest). */
  updateLastMessage(roomId: string, message: Message): void {
    this.sql.exec(
      "UPDATE rooms SET last_message = ? WHERE room_id = ? AND json_extract(last_message, '$.seq') = ?",
      JSON.stringify(message),
      roomId,
      message.seq,
    );
  }

  /** Raises the highest entry seq known for the room. */
  raiseLastSeq(roomId: string, seq: number): void {
    this.sql.exec("UPDATE rooms SET last_seq = max(last_seq, ?) WHERE room_id = ?", seq, roomId);
  }

  /** A page of rooms I belong to, by last activity (newest first). */
  page(limit: number, after: InboxCursor | undefined): { rooms: InboxRoom[]; next: InboxCursor | undefined } {
    const rows = after
      ? this.sql
          .exec<RoomRow>(
            `SELECT *, ${UNREAD} AS unread FROM rooms WHERE member = 1 AND (activity_at < ? OR (activity_at = ? AND room_id < ?))
             ORDER BY activity_at DESC, room_id DESC LIMIT ?`,
            after.activityAt,
            after.activityAt,
            after.roomId,
            limit + 1,
          )
          .toArray()
      : this.sql
          .exec<RoomRow>(
            `SELECT *, ${UNREAD} AS unread FROM rooms WHERE member = 1 ORDER BY activity_at DESC, room_id DESC LIMIT ?`,
            limit + 1,
          )
          .toArray();
    const pageRows = rows.slice(0, limit);
    const tail = pageRows.at(-1);
    return {
      rooms: pageRows.map(toInboxRoom),
      next: rows.length > limit && tail ? { activityAt: tail.activity_at, roomId: tail.room_id } : undefined,
    };
  }

  /** Every room I belong to: where each stands (the socket's welcome). */
  standings(limit: number): { roomId: string; unread: number; readSeq: number; lastSeq: number }[] {
    return this.sql
      .exec<RoomRow>(
        `SELECT *, ${UNREAD} AS unread FROM rooms WHERE member = 1 ORDER BY activity_at DESC LIMIT ?`,
        limit,
      )
      .toArray()
      .map((r) => ({ roomId: r.room_id, unread: r.unread, readSeq: r.read_seq, lastSeq: r.last_seq }));
  }

  // ---------------------------------------------------------------- unread and idempotency

  /** Records each (room, seq) as applied in one statement; returns the seqs not applied before. */
  markSeenMany(roomId: string, seqs: readonly number[], now: number, seenFloor: number): Set<number> {
    const fresh = seqs.filter((seq) => seq > seenFloor);
    if (fresh.length === 0) return new Set();
    const rows = this.sql.exec<{ seq: number }>(
      "INSERT OR IGNORE INTO seen (room_id, seq, at) SELECT ?, value, ? FROM json_each(?) RETURNING seq",
      roomId,
      now,
      JSON.stringify(fresh),
    );
    return new Set(rows.toArray().map((r) => r.seq));
  }

  /**
   * Keeps the applied set of a room bounded: only the newest SEEN_WINDOW seqs are kept, and
   * the floor moves in steps of at least PRUNE_STEP seqs (so most deliveries delete nothing).
   */
  pruneSeen(roomId: string, newestSeq: number, seenFloor: number): void {
    const floor = newestSeq - SEEN_WINDOW;
    if (floor < seenFloor + PRUNE_STEP) return;
    this.sql.exec("DELETE FROM seen WHERE room_id = ? AND seq <= ?", roomId, floor);
    this.sql.exec("UPDATE rooms SET seen_floor = ? WHERE room_id = ? AND seen_floor < ?", floor, roomId, floor);
  }

  /** True when the inbox has a row for the room (member or not). */
  hasRoom(roomId: string): boolean {
    return this.sql.exec("SELECT 1 FROM rooms WHERE room_id = ?", roomId).toArray().length > 0;
  }

  /** When (room, seq) was applied, if it was (benchmarks). */
  seenAt(roomId: string, seq: number): number | null {
    return (
      this.sql.exec<{ at: number }>("SELECT at FROM seen WHERE room_id = ? AND seq = ?", roomId, seq).toArray()[0]
        ?.at ?? null
    );
  }

  /** Counts messages from someone else as unread (those after the read cursor), in one statement; returns how many rows it added. */
  addUnreadMany(roomId: string, seqs: readonly number[], readSeq: number): number {
    const after = seqs.filter((seq) => seq > readSeq);
    if (after.length === 0) return 0;
    return this.sql.exec(
      "INSERT OR IGNORE INTO unread (room_id, seq) SELECT ?, value FROM json_each(?)",
      roomId,
      JSON.stringify(after),
    ).rowsWritten;
  }

  /** A deleted message no longer counts, whichever of the two arrives first. */
  markUnreadDeleted(roomId: string, seq: number, readSeq: number): void {
    if (seq > readSeq)
      this.sql.exec("INSERT OR REPLACE INTO unread (room_id, seq, deleted) VALUES (?, ?, 1)", roomId, seq);
  }

  /** Moves the read cursor forward (never back); returns the cursor and the unread count. */
  applyRead(roomId: string, seq: number): { readSeq: number; unread: number; moved: boolean } | undefined {
    const moved =
      this.sql.exec("UPDATE rooms SET read_seq = ? WHERE room_id = ? AND read_seq < ?", seq, roomId, seq).rowsWritten >
      0;
    this.dropReadUnread(roomId);
    const row = this.room(roomId);
    return row ? { readSeq: row.read_seq, unread: row.unread, moved } : undefined;
  }

  private dropReadUnread(roomId: string): void {
    this.sql.exec(
      "DELETE FROM unread WHERE room_id = ? AND seq <= (SELECT read_seq FROM rooms WHERE room_id = ?)",
      roomId,
      roomId,
    );
  }

  // ---------------------------------------------------------------- state

  get built(): boolean {
    return this.sql.exec<{ built: number }>("SELECT built FROM inbox_state WHERE id = 1").one().built === 1;
  }

  markBuilt(): void {
    this.sql.exec("UPDATE inbox_state SET built = 1 WHERE id = 1");
  }

  /** Counts one delivery and what became of its entries. */
  countDelivery(applied: number, duplicates: number): void {
    this.sql.exec(
      "UPDATE inbox_state SET deliveries = deliveries + 1, applied = applied + ?, duplicates = duplicates + ? WHERE id = 1",
      applied,
      duplicates,
    );
  }

  count(field: keyof InboxCounters, by = 1): void {
    this.sql.exec(`UPDATE inbox_state SET ${field} = ${field} + ? WHERE id = 1`, by);
  }

  counters(): InboxCounters {
    return this.sql
      .exec<InboxCounters & Record<string, number>>(
        "SELECT deliveries, applied, duplicates, pushes FROM inbox_state WHERE id = 1",
      )
      .one();
  }

  // ---------------------------------------------------------------- push subscriptions

  /** Adds (or refreshes, by endpoint) a subscription; keeps at most `max`, dropping the oldest. */
  addSubscription(sub: Omit<PushSubscriptionRow, "createdAt">, now: number, max: number): PushSubscriptionRow {
    this.sql.exec(
      `INSERT INTO push_subscriptions (id, endpoint, p256dh, auth, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth`,
      sub.id,
      sub.endpoint,
      sub.p256dh,
      sub.auth,
      now,
    );
    this.sql.exec(
      "DELETE FROM push_subscriptions WHERE id NOT IN (SELECT id FROM push_subscriptions ORDER BY created_at DESC, id DESC LIMIT ?)",
      max,
    );
    return this.subscriptions().find((s) => s.endpoint === sub.endpoint)!;
  }

  subscriptions(): PushSubscriptionRow[] {
    return this.sql
      .exec<{ id: string; endpoint: string; p256dh: string; auth: string; created_at: number }>(
        "SELECT * FROM push_subscriptions ORDER BY created_at",
      )
      .toArray()
      .map((r) => ({
        id: r.id,
        endpoint: r.endpoint,
        p256dh: r.p256dh,
        auth: r.auth,
        createdAt: new Date(r.created_at).toISOString(),
      }));
  }

  removeSubscription(id: string): boolean {
    return this.sql.exec("DELETE FROM push_subscriptions WHERE id = ?", id).rowsWritten > 0;
  }
}

function toInboxRoom(r: RoomRow): InboxRoom {
  return {
    id: r.room_id,
    kind: r.kind as RoomKind,
    name: r.name,
    memberCount: r.member_count,
    createdAt: new Date(r.created_at).toISOString(),
    ...(r.role ? { role: r.role as MemberRole } : {}),
    unread: r.unread,
    lastMessage: r.last_message ? (JSON.parse(r.last_message) as Message) : null,
    readSeq: r.read_seq,
    lastSeq: r.last_seq,
    ...(r.peer_id && r.peer_username ? { peer: { id: r.peer_id, username: r.peer_username } } : {}),
  };
}

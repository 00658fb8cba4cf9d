// The Inbox object's SQLite storage: the user's room list (one row per room, kept after
// leaving so a late delivery cannot bring it back) with each room's read state: the read
// cursor, an unread counter and the high-water mark `counted_seq` (every entry up to it is
// reflected in the counter; docs/decisions/0071), push subscriptions and counters.
// Every method is synchronous, so no other event interleaves with a read-modify-write.
import type { InboxCursor, InboxMembership, InboxRoom, MemberSummary } from "../../src/protocol/inbox";
import type { Message } from "../../src/protocol/protocol";
import type { MemberRole, RoomKind } from "../../src/protocol/rooms";
import { MeteredSql } from "../sql-meter";

export interface RoomRow extends Record<string, SqlStorageValue> {
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
  unread: number;
  counted_seq: number;
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
    peer_id TEXT, peer_username TEXT, unread INTEGER NOT NULL DEFAULT 0, counted_seq INTEGER NOT NULL DEFAULT 0)`,
  "CREATE INDEX IF NOT EXISTS rooms_by_activity ON rooms (member, activity_at DESC, room_id DESC)",
  `CREATE TABLE IF NOT EXISTS push_subscriptions (id TEXT PRIMARY KEY, endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL, auth TEXT NOT NULL, created_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS inbox_state (id INTEGER PRIMARY KEY CHECK (id = 1), built INTEGER NOT NULL DEFAULT 0,
    deliveries INTEGER NOT NULL DEFAULT 0, applied INTEGER NOT NULL DEFAULT 0, duplicates INTEGER NOT NULL DEFAULT 0,
    pushes INTEGER NOT NULL DEFAULT 0)`,
  "INSERT OR IGNORE INTO inbox_state (id) VALUES (1)",
];

export class InboxStore {
  private readonly sql: MeteredSql;
  #owner: string | undefined;
  /** Rooms' rows changed by rounds and not written yet (`flush` writes them in one transaction). */
  readonly #staged = new Map<string, RoomRow>();

  constructor(private readonly storage: DurableObjectStorage) {
    this.sql = new MeteredSql(storage.sql);
    this.migrateFromSeenSets();
    for (const statement of SCHEMA) this.sql.exec(statement);
    const stateColumns = this.sql.exec<{ name: string }>("PRAGMA table_info(inbox_state)").toArray();
    if (!stateColumns.some((c) => c.name === "owner")) this.sql.exec("ALTER TABLE inbox_state ADD COLUMN owner TEXT");
  }

  /**
   * Inboxes written before read state kept a row per unread message and per applied one
   * (tables `unread` and `seen`). Their counts become counters, in one transaction, on the
   * first wake: unread = the room's rows not deleted and after the cursor; counted through the
   * highest seq applied.
   */
  private migrateFromSeenSets(): void {
    const tables = this.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('rooms', 'unread', 'seen')",
      )
      .toArray()
      .map((t) => t.name);
    if (!tables.includes("rooms") || !tables.includes("unread")) return;
    this.storage.transactionSync(() => {
      const columns = this.sql.exec<{ name: string }>("PRAGMA table_info(rooms)").toArray();
      if (!columns.some((c) => c.name === "counted_seq")) {
        this.sql.exec("ALTER TABLE rooms ADD COLUMN unread INTEGER NOT NULL DEFAULT 0");
        this.sql.exec("ALTER TABLE rooms ADD COLUMN counted_seq INTEGER NOT NULL DEFAULT 0");
      }
      this.sql.exec(
        `UPDATE rooms SET counted_seq = max(counted_seq, last_seq), unread = CASE WHEN member = 1 THEN
           (SELECT COUNT(*) FROM unread u WHERE u.room_id = rooms.room_id AND u.deleted = 0 AND u.seq > rooms.read_seq)
         ELSE 0 END`,
      );
      this.sql.exec("DROP TABLE unread");
      this.sql.exec("DROP TABLE IF EXISTS seen");
      if (columns.some((c) => c.name === "seen_floor")) this.sql.exec("ALTER TABLE rooms DROP COLUMN seen_floor");
    });
  }

  transaction<T>(work: () => T): T {
    return this.storage.transactionSync(work);
  }

  // ---------------------------------------------------------------- rooms

  /** The room's row (member or not), with its read state (staged changes included). */
  room(roomId: string): RoomRow | undefined {
    return (
      this.#staged.get(roomId) ?? this.sql.exec<RoomRow>("SELECT * FROM rooms WHERE room_id = ?", roomId).toArray()[0]
    );
  }

  /**
   * Keeps a round's new row in memory until `flush`. Losing it (an eviction) loses nothing:
   * the stored mark is older, so the next round is a gap and the room says where things stand.
   */
  stage(row: RoomRow): void {
    this.#staged.set(row.room_id, row);
  }

  /** Rows staged and not written yet. */
  get stagedCount(): number {
    return this.#staged.size;
  }

  /** Writes every staged row, one row write per room; every other write and read of the list flushes first. */
  flush(): void {
    if (this.#staged.size === 0) return;
    const rows = [...this.#staged.values()];
    this.#staged.clear();
    this.storage.transactionSync(() => {
      for (const r of rows)
        this.sql.exec(
          `UPDATE rooms SET read_seq = max(read_seq, ?), unread = ?, counted_seq = max(counted_seq, ?), last_seq = max(last_seq, ?),
             member_count = ?, last_message = ?, activity_at = max(activity_at, ?) WHERE room_id = ? AND member = 1`,
          r.read_seq,
          r.unread,
          r.counted_seq,
          r.last_seq,
          r.member_count,
          r.last_message,
          r.activity_at,
          r.room_id,
        );
    });
  }

  /**
   * Adds a room or updates its facts; a room left before is joined again, with everything up
   * to `m.readSeq` read (a new member does not inherit old messages as unread). A current
   * member's read state is the room's to move, not a membership change's.
   */
  upsertMembership(m: InboxMembership, now: number): void {
    this.flush();
    this.sql.exec(
      `INSERT INTO rooms (room_id, kind, name, role, member_count, created_at, activity_at, member, read_seq,
         counted_seq, peer_id, peer_username)
       VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)
       ON CONFLICT (room_id) DO UPDATE SET kind = excluded.kind, name = excluded.name, role = excluded.role,
         member_count = excluded.member_count, peer_id = excluded.peer_id, peer_username = excluded.peer_username,
         activity_at = CASE WHEN rooms.member = 0 THEN excluded.activity_at ELSE rooms.activity_at END,
         read_seq = CASE WHEN rooms.member = 0 THEN max(rooms.read_seq, excluded.read_seq) ELSE rooms.read_seq END,
         counted_seq = CASE WHEN rooms.member = 0 THEN max(rooms.counted_seq, excluded.counted_seq) ELSE rooms.counted_seq END,
         unread = CASE WHEN rooms.member = 0 THEN 0 ELSE rooms.unread END, member = 1`,
      m.roomId,
      m.kind,
      m.name,
      m.role,
      m.memberCount,
      Date.parse(m.createdAt) || now,
      now,
      m.readSeq ?? 0,
      m.readSeq ?? 0,
      m.peer?.id ?? null,
      m.peer?.username ?? null,
    );
  }

  /** Marks a room as left: it leaves the list and counts nothing. */
  markLeft(roomId: string): boolean {
    this.flush();
    return (
      this.sql.exec("UPDATE rooms SET member = 0, unread = 0 WHERE room_id = ? AND member = 1", roomId).rowsWritten > 0
    );
  }

  /** Writes a room's read state (a read the room answered). */
  writeReadState(
    roomId: string,
    state: { readSeq: number; unread: number; countedSeq: number; memberCount: number },
  ): void {
    this.sql.exec(
      `UPDATE rooms SET read_seq = max(read_seq, ?), unread = ?, counted_seq = max(counted_seq, ?),
         last_seq = max(last_seq, ?), member_count = ? WHERE room_id = ?`,
      state.readSeq,
      Math.max(0, state.unread),
      state.countedSeq,
      state.countedSeq,
      state.memberCount,
      roomId,
    );
  }

  /**
   * Takes where the member stands from the room (a catch-up or a gap), unless the inbox has
   * counted past it already. Returns whether it was taken.
   */
  applySummary(roomId: string, summary: MemberSummary): boolean {
    this.flush();
    const taken =
      this.sql.exec(
        `UPDATE rooms SET read_seq = max(read_seq, ?), unread = ?, counted_seq = ?, last_seq = max(last_seq, ?),
           member_count = ? WHERE room_id = ? AND member = 1 AND counted_seq <= ?`,
        summary.readSeq,
        summary.unread,
        summary.lastSeq,
        summary.lastSeq,
        summary.memberCount,
        roomId,
        summary.lastSeq,
      ).rowsWritten > 0;
    if (summary.lastMessage) this.setLastMessage(roomId, summary.lastMessage);
    return taken;
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

  /** A page of rooms I belong to, by last activity (newest first). */
  page(limit: number, after: InboxCursor | undefined): { rooms: InboxRoom[]; next: InboxCursor | undefined } {
    this.flush();
    const rows = after
      ? this.sql
          .exec<RoomRow>(
            `SELECT * FROM rooms WHERE member = 1 AND (activity_at < ? OR (activity_at = ? AND room_id < ?))
             ORDER BY activity_at DESC, room_id DESC LIMIT ?`,
            after.activityAt,
            after.activityAt,
            after.roomId,
            limit + 1,
          )
          .toArray()
      : this.sql
          .exec<RoomRow>(
            "SELECT * FROM rooms WHERE member = 1 ORDER BY activity_at DESC, room_id DESC LIMIT ?",
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
    this.flush();
    return this.sql
      .exec<RoomRow>("SELECT * FROM rooms WHERE member = 1 ORDER BY activity_at DESC LIMIT ?", limit)
      .toArray()
      .map((r) => ({ roomId: r.room_id, unread: r.unread, readSeq: r.read_seq, lastSeq: r.last_seq }));
  }

  // ---------------------------------------------------------------- read state

  /** True when the inbox has a row for the room (member or not). */
  hasRoom(roomId: string): boolean {
    return this.sql.exec("SELECT 1 FROM rooms WHERE room_id = ?", roomId).toArray().length > 0;
  }

  /** Ids of the rooms I belong to (a catch-up asks each), newest activity first. */
  memberRoomIds(limit: number): string[] {
    this.flush();
    return this.sql
      .exec<{ room_id: string }>("SELECT room_id FROM rooms WHERE member = 1 ORDER BY activity_at DESC LIMIT ?", limit)
      .toArray()
      .map((r) => r.room_id);
  }

  /**
   * Takes a read cursor the room has moved, with the count it left (exact as of `asOf`).
   * "stale" when this inbox has counted entries past `asOf` already: the caller asks the room.
   */
  applyRead(
    roomId: string,
    standing: { readSeq: number; unread: number; asOf: number },
  ): { readSeq: number; unread: number } | "stale" | undefined {
    this.flush();
    const row = this.room(roomId);
    if (!row) return undefined;
    if (standing.asOf < row.counted_seq) {
      // Nothing newer than the cursor: the count is known without the room.
      if (standing.readSeq >= row.counted_seq) {
        this.writeReadState(roomId, { ...this.stateOf(row), readSeq: standing.readSeq, unread: 0 });
        return { readSeq: standing.readSeq, unread: 0 };
      }
      return "stale";
    }
    this.writeReadState(roomId, {
      readSeq: standing.readSeq,
      unread: standing.unread,
      countedSeq: standing.asOf,
      memberCount: row.member_count,
    });
    const after = this.room(roomId)!;
    return { readSeq: after.read_seq, unread: after.unread };
  }

  /** A row's read state as `writeReadState` takes it. */
  stateOf(row: RoomRow): { readSeq: number; unread: number; countedSeq: number; memberCount: number } {
    return { readSeq: row.read_seq, unread: row.unread, countedSeq: row.counted_seq, memberCount: row.member_count };
  }

  // ---------------------------------------------------------------- state

  get built(): boolean {
    return this.sql.exec<{ built: number }>("SELECT built FROM inbox_state WHERE id = 1").one().built === 1;
  }

  markBuilt(): void {
    this.sql.exec("UPDATE inbox_state SET built = 1 WHERE id = 1");
  }

  /** Records whose inbox this is (the first call that names the user; objects do not know their name). */
  rememberOwner(userId: string): void {
    if (this.#owner === userId) return;
    this.sql.exec("UPDATE inbox_state SET owner = ? WHERE id = 1", userId);
    this.#owner = userId;
  }

  owner(): string | undefined {
    this.#owner ??=
      this.sql.exec<{ owner: string | null }>("SELECT owner FROM inbox_state WHERE id = 1").one().owner ?? undefined;
    return this.#owner;
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

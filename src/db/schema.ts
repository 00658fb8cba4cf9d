// The one D1 schema (drizzle). Migrations in migrations/ are generated from this file
// with `npm run db:generate`; never edit a generated migration by hand.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

const createdAt = () =>
  integer("created_at", { mode: "timestamp_ms" })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`);

// ---------------------------------------------------------------- accounts

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  username: text("username").notNull().unique(),
  displayName: text("display_name").notNull(),
  avatarUrl: text("avatar_url"),
  /** `pbkdf2-sha256$<iterations>$<salt>$<hash>`: parameters live beside the hash. */
  passwordHash: text("password_hash").notNull(),
  followers: integer("followers").notNull().default(0),
  following: integer("following").notNull().default(0),
  createdAt: createdAt(),
});

/** The seed's session pool: one row per login (device); refresh tokens rotate inside it. */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    deviceId: text("device_id"),
    createdAt: createdAt(),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    revokedReason: text("revoked_reason"),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

/** Every refresh token ever issued, stored hashed; a used one presented again revokes its session. */
export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    usedAt: integer("used_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("refresh_tokens_session_idx").on(t.sessionId)],
);

export const follows = sqliteTable(
  "follows",
  {
    followerId: text("follower_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    followeeId: text("followee_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.followerId, t.followeeId] }), index("follows_followee_idx").on(t.followeeId)],
);

// ---------------------------------------------------------------- rooms

/** Chat rooms: public channels, invite-only groups, and (later) direct conversations. */
export const rooms = sqliteTable(
  "rooms",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: ["channel", "group", "direct"] }).notNull(),
    name: text("name").notNull(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [index("rooms_kind_idx").on(t.kind, t.id)],
);

/** Who belongs to a room, with what role, and how far they have read. */
export const roomMembers = sqliteTable(
  "room_members",
  {
    roomId: text("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: ["owner", "admin", "member"] }).notNull(),
    /** Read cursor: the highest seq this member has read (drives `unread`). */
    readSeq: integer("read_seq").notNull().default(0),
    joinedAt: integer("joined_at", { mode: "timestamp_ms" })
      .notNull()
      .default(sql`(unixepoch('subsec') * 1000)`),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.userId] }), index("room_members_user_idx").on(t.userId, t.joinedAt)],
);

/**
 * The archive of every room message, written from the room objects through the EVENTS
 * queue (idempotent by room and seq). Recent messages are also kept in the room object.
 */
export const messages = sqliteTable(
  "messages",
  {
    roomId: text("room_id").notNull(),
    seq: integer("seq").notNull(),
    id: text("id").notNull(),
    clientMsgId: text("client_msg_id").notNull(),
    senderId: text("sender_id").notNull(),
    senderUsername: text("sender_username").notNull(),
    body: text("body").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    // ---- im: edits and deletes are log entries of their own (kind edit/delete, refSeq the
    // message they change); the message row itself carries its latest state.
    kind: text("kind", { enum: ["message", "edit", "delete"] }).notNull().default("message"),
    refSeq: integer("ref_seq"),
    editedAt: integer("edited_at", { mode: "timestamp_ms" }),
    deletedAt: integer("deleted_at", { mode: "timestamp_ms" }),
    /** Seq of the last edit/delete applied to this row (guards against out-of-order redelivery). */
    revision: integer("revision").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.seq] })],
);

// ---------------------------------------------------------------- im

/** The one direct room of a user pair (`userA` < `userB`): creating it twice finds this row. */
export const directRooms = sqliteTable("direct_rooms", {
  userA: text("user_a")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  userB: text("user_b")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  roomId: text("room_id").notNull(),
  createdAt: createdAt(),
}, (t) => [primaryKey({ columns: [t.userA, t.userB] })]);

/** `blockerId` receives no direct messages from `blockedId`. */
export const blocks = sqliteTable(
  "blocks",
  {
    blockerId: text("blocker_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    blockedId: text("blocked_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.blockerId, t.blockedId] })],
);

// ---------------------------------------------------------------- operations

/** Queue messages that could not be processed, kept for operators to inspect. */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    id: text("id").primaryKey(),
    queue: text("queue").notNull(),
    body: text("body").notNull(),
    reason: text("reason").notNull(),
    attempts: integer("attempts").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("dead_letters_queue_idx").on(t.queue, t.createdAt)],
);

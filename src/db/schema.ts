// The one D1 schema (drizzle). Migrations in migrations/ are generated from this file
// with `npm run db:generate`; never edit a generated migration by hand.
import { isNotNull, sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const createdAt = () =>
  integer("created_at", { mode: "timestamp_ms" }).notNull().default(sql`(unixepoch('subsec') * 1000)`);

// ---------------------------------------------------------------- accounts

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    username: text("username").notNull().unique(),
    displayName: text("display_name").notNull(),
    avatarUrl: text("avatar_url"),
    /** `pbkdf2-sha256$<iterations>$<salt>$<hash>`: parameters live beside the hash. */
    passwordHash: text("password_hash").notNull(),
    followers: integer("followers").notNull().default(0),
    following: integer("following").notNull().default(0),
    /** Site role: moderators handle reports and remove content; admins also grant roles (docs/decisions/0072). */
    role: text("role", { enum: ["user", "moderator", "admin"] })
      .notNull()
      .default("user"),
    /** Set while the account is suspended: login is refused and its posts and comments are hidden. */
    suspendedAt: integer("suspended_at", { mode: "timestamp_ms" }),
    /** When a suspension ends by itself; null with `suspendedAt` set: until lifted. */
    suspendedUntil: integer("suspended_until", { mode: "timestamp_ms" }),
    suspendReason: text("suspend_reason"),
    createdAt: createdAt(),
  },
  // People search (migrations/0009, decision 0085): a prefix range on the lower-cased display name.
  (t) => [index("users_display_name_lower_idx").on(sql`lower(${t.displayName})`, t.username)],
);

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

// ---------------------------------------------------------------- feed

/**
 * Posts. Ids are UUIDv7, so `ORDER BY id DESC` is newest first. A delete is soft
 * (`deleted_at`): readers treat the post as gone at once, and the retention sweep purges
 * it (and its likes, comments, images and counters, by cascade) in bounded chunks later.
 * `version` grows with every edit and delete; the KV cache validates entries against it.
 */
export const posts = sqliteTable(
  "posts",
  {
    id: text("id").primaryKey(),
    authorId: text("author_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    content: text("content").notNull(),
    /** The `Idempotency-Key` the post was created with, unique per author. */
    idempotencyKey: text("idempotency_key"),
    version: integer("version").notNull().default(1),
    createdAt: createdAt(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
    deletedAt: integer("deleted_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    index("posts_author_idx").on(t.authorId, t.id),
    index("posts_created_idx").on(t.createdAt, t.id),
    uniqueIndex("posts_idempotency_idx").on(t.authorId, t.idempotencyKey),
    index("posts_deleted_idx").on(t.deletedAt).where(isNotNull(t.deletedAt)),
  ],
);

/** A post's images, in order: keys of objects in the MEDIA bucket. */
export const postImages = sqliteTable(
  "post_images",
  {
    postId: text("post_id")
      .notNull()
      .references(() => posts.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    mediaKey: text("media_key").notNull(),
  },
  (t) => [primaryKey({ columns: [t.postId, t.position] })],
);

/**
 * Per-post counters, kept apart from the post row so the consumer's frequent counter
 * updates never rewrite the content. Written only by the EVENTS consumer (and created
 * with the post).
 */
export const postStats = sqliteTable("post_stats", {
  postId: text("post_id")
    .primaryKey()
    .references(() => posts.id, { onDelete: "cascade" }),
  likes: integer("likes").notNull().default(0),
  comments: integer("comments").notNull().default(0),
  views: integer("views").notNull().default(0),
  /** When `likes` was last recounted (epoch ms): tells a like answer whether the caller's own like is in it yet. */
  likesCountedAt: integer("likes_counted_at").notNull().default(0),
});

/** One row per user who likes a post: the exact, synchronous like state. */
export const likes = sqliteTable(
  "likes",
  {
    postId: text("post_id")
      .notNull()
      .references(() => posts.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.postId, t.userId] }),
    index("likes_user_idx").on(t.userId),
    // The counter reconciliation finds recently liked posts (src/cron/counters.ts).
    index("likes_created_idx").on(t.createdAt),
  ],
);

export const comments = sqliteTable(
  "comments",
  {
    id: text("id").primaryKey(),
    postId: text("post_id")
      .notNull()
      .references(() => posts.id, { onDelete: "cascade" }),
    authorId: text("author_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    content: text("content").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("comments_post_idx").on(t.postId, t.id),
    index("comments_author_idx").on(t.authorId),
    index("comments_created_idx").on(t.createdAt),
  ],
);

/**
 * Ids of counter events (views) already applied: the EVENTS consumer inserts them in the
 * same D1 batch as the counter update, so a redelivered event changes nothing. `batch_id`
 * tells the update which rows this batch inserted. Purged after a retention period.
 */
export const processedEvents = sqliteTable(
  "processed_events",
  {
    eventId: text("event_id").primaryKey(),
    postId: text("post_id").notNull(),
    batchId: text("batch_id").notNull(),
    processedAt: integer("processed_at", { mode: "timestamp_ms" }).notNull().default(sql`(unixepoch('subsec') * 1000)`),
  },
  (t) => [index("processed_events_batch_idx").on(t.batchId), index("processed_events_at_idx").on(t.processedAt)],
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
    role: text("role", { enum: ["owner", "admin", "moderator", "member"] }).notNull(),
    /** Read cursor: the highest seq this member has read (drives `unread`). */
    readSeq: integer("read_seq").notNull().default(0),
    joinedAt: integer("joined_at", { mode: "timestamp_ms" }).notNull().default(sql`(unixepoch('subsec') * 1000)`),
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
    // Edits and deletes are log entries of their own (kind edit/delete, refSeq the
    // message they change); the message row itself carries its latest state.
    kind: text("kind", { enum: ["message", "edit", "delete"] })
      .notNull()
      .default("message"),
    refSeq: integer("ref_seq"),
    editedAt: integer("edited_at", { mode: "timestamp_ms" }),
    deletedAt: integer("deleted_at", { mode: "timestamp_ms" }),
    /** Seq of the last edit/delete applied to this row (guards against out-of-order redelivery). */
    revision: integer("revision").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.seq] })],
);

// ---------------------------------------------------------------- direct rooms, blocks, dead letters

/** The one direct room of a user pair (`userA` < `userB`): creating it twice finds this row. */
export const directRooms = sqliteTable(
  "direct_rooms",
  {
    userA: text("user_a")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    userB: text("user_b")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    roomId: text("room_id").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userA, t.userB] })],
);

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

// ---------------------------------------------------------------- moderation

/**
 * A user's report of a post, comment, message or user. `snapshot` is the reported content as
 * it was when reported (JSON), kept whatever happens to the content later. One open report per
 * reporter and target (the partial unique index).
 */
export const reports = sqliteTable(
  "reports",
  {
    id: text("id").primaryKey(),
    reporterId: text("reporter_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    targetKind: text("target_kind", { enum: ["post", "comment", "message", "user"] }).notNull(),
    targetId: text("target_id").notNull(),
    roomId: text("room_id"),
    /** The user whose content (or account) is reported: the one a `suspend` resolution suspends. */
    targetUserId: text("target_user_id"),
    reason: text("reason", { enum: ["spam", "abuse", "illegal", "other"] }).notNull(),
    note: text("note"),
    snapshot: text("snapshot").notNull(),
    status: text("status", { enum: ["open", "resolved"] })
      .notNull()
      .default("open"),
    resolution: text("resolution", { enum: ["dismiss", "remove", "suspend"] }),
    resolvedBy: text("resolved_by"),
    resolvedAt: integer("resolved_at", { mode: "timestamp_ms" }),
    resolutionNote: text("resolution_note"),
    createdAt: createdAt(),
  },
  (t) => [
    index("reports_status_idx").on(t.status, t.id),
    uniqueIndex("reports_open_target_idx").on(t.reporterId, t.targetKind, t.targetId).where(sql`${t.status} = 'open'`),
  ],
);

/**
 * Room bans: a banned user is removed from the room at once and cannot join, be added or open
 * its socket again until `until` (null: until lifted). The Worker checks it on join, add and upgrade.
 */
export const roomBans = sqliteTable(
  "room_bans",
  {
    roomId: text("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    until: integer("until", { mode: "timestamp_ms" }),
    reason: text("reason"),
    bannedBy: text("banned_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.userId] })],
);

/** Every moderation action: who did what to which target, when, and why. Append-only. */
export const moderationAudit = sqliteTable(
  "moderation_audit",
  {
    id: text("id").primaryKey(),
    actorId: text("actor_id").notNull(),
    action: text("action").notNull(),
    targetKind: text("target_kind").notNull(),
    targetId: text("target_id").notNull(),
    note: text("note"),
    /** Extra facts of the action (JSON), e.g. a role granted or a suspension's end. */
    details: text("details"),
    createdAt: createdAt(),
  },
  (t) => [index("moderation_audit_target_idx").on(t.targetKind, t.targetId)],
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

// ---------------------------------------------------------------- tasks

/**
 * Compute tasks (the seed's task table). The TaskRun Durable Object owns a task's live state
 * and writes each status change here; lists and ownership checks read this table.
 */
export const tasks = sqliteTable(
  "tasks",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    type: text("type").notNull(),
    status: text("status", { enum: ["waiting", "queued", "running", "succeeded", "failed", "canceled"] }).notNull(),
    priority: text("priority", { enum: ["low", "normal", "high"] })
      .notNull()
      .default("normal"),
    /** The validated input, JSON. */
    input: text("input").notNull(),
    progress: real("progress").notNull().default(0),
    /** The stored result, JSON (small results inline; large ones point at R2). */
    result: text("result"),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    attempts: integer("attempts").notNull().default(0),
    idempotencyKey: text("idempotency_key"),
    createdAt: createdAt(),
    startedAt: integer("started_at", { mode: "timestamp_ms" }),
    finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    index("tasks_user_created_idx").on(t.userId, t.createdAt),
    index("tasks_user_status_idx").on(t.userId, t.status),
    uniqueIndex("tasks_user_idempotency_idx").on(t.userId, t.idempotencyKey),
  ],
);

// ---------------------------------------------------------------- notifications

/**
 * Grouped notifications (decision 0077): one row per (recipient, kind, subject) while unread.
 * `actors`: up to 3 user ids, newest first; `count`: distinct actors since `since` (recounted
 * from likes / comments / follows); a read group is never reopened.
 */
export const notifications = sqliteTable(
  "notifications",
  {
    id: text("id").primaryKey(),
    recipientId: text("recipient_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    subject: text("subject").notNull(),
    groupKey: text("group_key").notNull(),
    actors: text("actors").notNull().default("[]"),
    count: integer("count").notNull().default(0),
    since: integer("since").notNull().default(0),
    latestAt: integer("latest_at").notNull(),
    readAt: integer("read_at"),
  },
  (t) => [
    uniqueIndex("notifications_open_group_idx").on(t.recipientId, t.groupKey).where(sql`read_at IS NULL`),
    index("notifications_recipient_idx").on(t.recipientId, t.latestAt, t.id),
  ],
);

// ---------------------------------------------------------------- tags and search

/** `#tag`s of live posts (lowercase, at most 10 per post), written with the post (migration 0007). */
export const postTags = sqliteTable(
  "post_tags",
  {
    tag: text("tag").notNull(),
    postId: text("post_id")
      .notNull()
      .references(() => posts.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tag, t.postId] }),
    index("post_tags_post_idx").on(t.postId),
    index("post_tags_created_idx").on(t.createdAt),
  ],
);
// posts_fts (FTS5) and its triggers are in migrations/0007_notifications.sql: drizzle does not model virtual tables.

// ---------------------------------------------------------------- task usage

/**
 * Per-user task usage (migrations/0008, hand-written): the submission token bucket and the UTC
 * day's counters. Tokens are those OpenAI-protocol backends reported (prompt + completion).
 */
export const taskUsage = sqliteTable("task_usage", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  /** Submissions left in the bucket at `bucketAt`. */
  bucket: real("bucket").notNull(),
  bucketAt: integer("bucket_at").notNull(),
  /** The UTC day (YYYY-MM-DD) the day counters belong to. */
  day: text("day").notNull(),
  dayTasks: integer("day_tasks").notNull().default(0),
  dayPromptTokens: integer("day_prompt_tokens").notNull().default(0),
  dayCompletionTokens: integer("day_completion_tokens").notNull().default(0),
});

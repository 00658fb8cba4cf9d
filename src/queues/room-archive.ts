// The room archive consumer (EVENTS `room.*`): durable room messages into the D1 `messages`
// table and read cursors into `room_members`. Idempotent: a message is keyed by room and seq
// (a redelivery inserts nothing), and a read cursor only moves forward. Edit and delete
// entries are rows too; once an event's rows are in, the messages they name take the state of
// their newest change, whatever order events arrive in (a `revision` guard). Each event (one
// queue message) is written and settled on its own.
import { count } from "../metrics";
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { roomMembers } from "../db/schema";
import { describeError } from "../lib/log";
import { countD1 } from "../lib/usage";
import { ROOM_EVENT_TYPES, type RoomEvent, RoomEventSchema } from "../protocol/room-events";
import { deadLetter } from "./dead-letter";
import type { EventConsumer } from "./events";

/** Applies the newest edit/delete D1 holds to each message with seq in [from, to]. */
function reconcile(db: Db, roomId: string, from: number, to: number) {
  return db.run(sql`UPDATE messages SET
      body = e.body,
      edited_at = CASE WHEN e.kind = 'edit' THEN e.created_at ELSE messages.edited_at END,
      deleted_at = CASE WHEN e.kind = 'delete' THEN e.created_at ELSE messages.deleted_at END,
      revision = e.seq
    FROM (SELECT ref_seq, MAX(seq) AS seq FROM messages
          WHERE room_id = ${roomId} AND kind != 'message' AND ref_seq BETWEEN ${from} AND ${to} GROUP BY ref_seq) AS latest
    JOIN messages AS e ON e.room_id = ${roomId} AND e.seq = latest.seq
    WHERE messages.room_id = ${roomId} AND messages.seq = latest.ref_seq AND messages.revision < latest.seq`);
}

function readStatements(db: Db, event: Extract<RoomEvent, { type: "room.read" }>) {
  return event.cursors.map((c) =>
    db
      .update(roomMembers)
      .set({ readSeq: sql`max(${roomMembers.readSeq}, ${c.seq})` })
      .where(and(eq(roomMembers.roomId, event.roomId), eq(roomMembers.userId, c.userId))),
  );
}

/** Inserts the rows of a JSON array of archive rows; rows D1 holds already are left alone. */
const INSERT_ROWS = `INSERT INTO messages
    (room_id, seq, id, client_msg_id, sender_id, sender_username, body, created_at, kind, ref_seq, edited_at, deleted_at, revision)
  SELECT ?1, ${[
    "seq",
    "id",
    "clientMsgId",
    "senderId",
    "senderUsername",
    "body",
    "createdAt",
    "kind",
    "refSeq",
    "editedAt",
    "deletedAt",
    "revision",
  ]
    .map((name) => `json_extract(r.value, '$.${name}')`)
    .join(", ")}
  FROM json_each(?2) AS r WHERE true -- "WHERE true": SQLite needs it before an upsert clause
  ON CONFLICT (room_id, seq) DO NOTHING`;

/**
 * The archive event's rows as one D1 statement with two bound parameters (the rows travel as
 * one JSON array, so D1's limit of 100 bound parameters never comes near). An event is one
 * queue message, which the room keeps under the queue's 128 KB (durable/room/archive.ts), far
 * under D1's 2 MB limit for a value.
 */
function insertRows(d1: D1Database, event: Extract<RoomEvent, { type: "room.archive" }>): D1PreparedStatement {
  const rows = event.messages.map((m) => ({
    seq: m.seq,
    id: m.id,
    clientMsgId: m.clientMsgId,
    senderId: m.sender.id,
    senderUsername: m.sender.username,
    body: m.body,
    createdAt: Date.parse(m.createdAt),
    kind: m.kind,
    refSeq: m.refSeq ?? null,
    editedAt: m.editedAt ? Date.parse(m.editedAt) : null,
    deletedAt: m.deletedAt ? Date.parse(m.deletedAt) : null,
    revision: m.revision,
  }));
  return d1.prepare(INSERT_ROWS).bind(event.roomId, JSON.stringify(rows));
}

/** Writes the event: read cursors in one drizzle batch, archive rows in one statement. */
async function write(env: Env, db: Db, event: RoomEvent): Promise<void> {
  if (event.type === "room.read") {
    const [first, ...rest] = readStatements(db, event);
    if (first) for (const result of await db.batch([first, ...rest])) countD1(metaOf(result));
    return;
  }
  countD1((await insertRows(env.DB, event).run()).meta);
  count("plaza_room_messages_archived_total", {}, event.messages.length);
  // Idempotent and order-independent, so it may run after the insert.
  const touched = event.messages.map((m) => m.refSeq ?? m.seq);
  countD1((await reconcile(db, event.roomId, Math.min(...touched), Math.max(...touched))).meta);
}

/** The D1 meta of a batch result, when it has one (the usage meter counts its rows). */
function metaOf(result: unknown): { rows_read?: number; rows_written?: number } | undefined {
  return typeof result === "object" && result !== null && "meta" in result
    ? (result.meta as { rows_read?: number; rows_written?: number })
    : undefined;
}

/** Writes each room event and settles its queue message. */
export const roomArchiveConsumer: EventConsumer = {
  types: ROOM_EVENT_TYPES,
  async consume(batch, { env, db, log }) {
    for (const message of batch) {
      const parsed = RoomEventSchema.safeParse(message.body);
      if (!parsed.success) {
        await deadLetter(env.EVENTS_DLQ, message, "invalid room event", log);
        continue;
      }
      try {
        await write(env, db, parsed.data);
        message.ack();
      } catch (err) {
        log.warn("room archive write failed; retrying", { roomId: parsed.data.roomId, ...describeError(err) });
        message.retry();
      }
    }
  },
};

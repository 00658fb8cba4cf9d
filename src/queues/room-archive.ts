// The room archive consumer (EVENTS `room.*`): durable room messages into the D1 `messages`
// table and read cursors into `room_members`. Idempotent: a message is keyed by room and seq
// (a redelivery inserts nothing), and a read cursor only moves forward. (im) Edit and delete
// entries are rows too; after each batch the messages they name take the state of their
// newest change, whatever order batches arrive in (a `revision` guard).
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { roomMembers } from "../db/schema";
import { describeError } from "../lib/log";
import { ROOM_EVENT_TYPES, type RoomEvent, RoomEventSchema } from "../shared/room-events";
import { deadLetter } from "./dead-letter";
import type { EventConsumer } from "./events";

/**
 * An archive event's rows travel as one JSON parameter per statement (D1's limit of 100 bound
 * parameters never comes near), in chunks that stay well under D1's 2 MB value limit.
 */
const MAX_JSON_CHARS_PER_INSERT = 512 * 1024;

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
  SELECT ?1, ${["seq", "id", "clientMsgId", "senderId", "senderUsername", "body", "createdAt", "kind", "refSeq", "editedAt", "deletedAt", "revision"]
    .map((name) => `json_extract(r.value, '$.${name}')`)
    .join(", ")}
  FROM json_each(?2) AS r WHERE true -- "WHERE true": SQLite needs it before an upsert clause
  ON CONFLICT (room_id, seq) DO NOTHING`;

/** The archive event's rows as D1 statements: one per chunk of rows, two bound parameters each. */
function archiveStatements(d1: D1Database, event: Extract<RoomEvent, { type: "room.archive" }>): D1PreparedStatement[] {
  const rows = event.messages.map((m) =>
    JSON.stringify({
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
    }),
  );
  const chunks: string[][] = [];
  let chars = Number.POSITIVE_INFINITY;
  for (const row of rows) {
    if (chars + row.length > MAX_JSON_CHARS_PER_INSERT) {
      chunks.push([]);
      chars = 0;
    }
    chunks.at(-1)!.push(row);
    chars += row.length + 1;
  }
  return chunks.map((chunk) => d1.prepare(INSERT_ROWS).bind(event.roomId, `[${chunk.join(",")}]`));
}

/** Writes the event: read cursors in one drizzle batch, archive rows in one D1 batch. */
async function write(env: Env, db: Db, event: RoomEvent): Promise<void> {
  if (event.type === "room.read") {
    const [first, ...rest] = readStatements(db, event);
    if (first) await db.batch([first, ...rest]);
    return;
  }
  const inserts = archiveStatements(env.DB, event);
  if (inserts.length === 0) return;
  await env.DB.batch(inserts);
  // ---- im: idempotent and order-independent, so it may run after the batch.
  const touched = event.messages.map((m) => m.refSeq ?? m.seq);
  await reconcile(db, event.roomId, Math.min(...touched), Math.max(...touched));
}

/** Writes each room event (one D1 batch, a transaction) and settles its queue message. */
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

// The room archive consumer (EVENTS `room.*`): durable room messages into the D1 `messages`
// table and read cursors into `room_members`. Idempotent: a message is keyed by room and seq
// (a redelivery inserts nothing), and a read cursor only moves forward. (im) Edit and delete
// entries are rows too; after each batch the messages they name take the state of their
// newest change, whatever order batches arrive in (a `revision` guard).
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { messages, roomMembers } from "../db/schema";
import { describeError } from "../lib/log";
import { ROOM_EVENT_TYPES, type RoomEvent, RoomEventSchema } from "../shared/room-events";
import { deadLetter } from "./dead-letter";
import type { EventConsumer } from "./events";

/** D1 allows 100 bound parameters per statement; a messages row binds 13. */
const ROWS_PER_INSERT = 7;

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

function statements(db: Db, event: RoomEvent) {
  if (event.type === "room.read") {
    return event.cursors.map((c) =>
      db
        .update(roomMembers)
        .set({ readSeq: sql`max(${roomMembers.readSeq}, ${c.seq})` })
        .where(and(eq(roomMembers.roomId, event.roomId), eq(roomMembers.userId, c.userId))),
    );
  }
  const rows = event.messages.map((m) => ({
    roomId: event.roomId,
    seq: m.seq,
    id: m.id,
    clientMsgId: m.clientMsgId,
    senderId: m.sender.id,
    senderUsername: m.sender.username,
    body: m.body,
    createdAt: new Date(m.createdAt),
    kind: m.kind,
    refSeq: m.refSeq ?? null,
    editedAt: m.editedAt ? new Date(m.editedAt) : null,
    deletedAt: m.deletedAt ? new Date(m.deletedAt) : null,
    revision: m.revision,
  }));
  const statements = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    statements.push(db.insert(messages).values(rows.slice(i, i + ROWS_PER_INSERT)).onConflictDoNothing());
  }
  return statements;
}

/** Writes each room event in one D1 batch (a transaction) and settles its queue message. */
export const roomArchiveConsumer: EventConsumer = {
  types: ROOM_EVENT_TYPES,
  async consume(batch, { env, db, log }) {
    for (const message of batch) {
      const parsed = RoomEventSchema.safeParse(message.body);
      if (!parsed.success) {
        await deadLetter(env.EVENTS_DLQ, message, "invalid room event", log);
        continue;
      }
      const [first, ...rest] = statements(db, parsed.data);
      if (!first) {
        message.ack();
        continue;
      }
      try {
        await db.batch([first, ...rest]);
        // ---- im: idempotent and order-independent, so it may run after the batch.
        if (parsed.data.type === "room.archive") {
          const touched = parsed.data.messages.map((m) => m.refSeq ?? m.seq);
          await reconcile(db, parsed.data.roomId, Math.min(...touched), Math.max(...touched));
        }
        message.ack();
      } catch (err) {
        log.warn("room archive write failed; retrying", { roomId: parsed.data.roomId, ...describeError(err) });
        message.retry();
      }
    }
  },
};

// The room archive consumer (EVENTS `room.*`): durable room messages into the D1 `messages`
// table and read cursors into `room_members`. Idempotent: a message is keyed by room and seq
// (a redelivery inserts nothing), and a read cursor only moves forward.
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { messages, roomMembers } from "../db/schema";
import { describeError } from "../lib/log";
import { ROOM_EVENT_TYPES, type RoomEvent, RoomEventSchema } from "../shared/room-events";
import { deadLetter } from "./dead-letter";
import type { EventConsumer } from "./events";

/** D1 allows 100 bound parameters per statement; a messages row binds 8. */
const ROWS_PER_INSERT = 12;

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
  }));
  const inserts = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    inserts.push(db.insert(messages).values(rows.slice(i, i + ROWS_PER_INSERT)).onConflictDoNothing());
  }
  return inserts;
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
        message.ack();
      } catch (err) {
        log.warn("room archive write failed; retrying", { roomId: parsed.data.roomId, ...describeError(err) });
        message.retry();
      }
    }
  },
};

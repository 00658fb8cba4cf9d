// "My rooms" with unread counts and last messages, computed from D1: the archive and the
// read cursors. Both lag the room objects by the archive delay (about 5 s) plus the queue's
// batching (about 5 s); the IM inbox may later serve these live.
import { and, desc, eq, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Db } from "../db/client";
import { messages, roomMembers, rooms } from "../db/schema";
import type { Message } from "../shared/protocol";
import { joinedBefore, type PublicRoom, toPublicRoom } from "./rooms";

export type MyRoom = PublicRoom & { unread: number; lastMessage: Message | null };

/** Position of the last row of a page: (joined_at, room_id). */
export interface MyRoomsCursor {
  joinedAt: number;
  roomId: string;
}

const last = alias(messages, "last_message");

/** One page of the rooms `userId` belongs to, most recently joined first. */
export async function listMyRooms(
  db: Db,
  userId: string,
  limit: number,
  after: MyRoomsCursor | undefined,
): Promise<{ items: MyRoom[]; next: MyRoomsCursor | undefined }> {
  const rows = await db
    .select({
      room: rooms,
      role: roomMembers.role,
      joinedAt: roomMembers.joinedAt,
      memberCount: sql<number>`(select count(*) from ${roomMembers} as mc where mc.room_id = ${rooms.id})`,
      unread: sql<number>`(select count(*) from ${messages} as m where m.room_id = ${rooms.id}
        and m.seq > ${roomMembers.readSeq} and m.sender_id != ${roomMembers.userId})`,
      last,
    })
    .from(roomMembers)
    .innerJoin(rooms, eq(rooms.id, roomMembers.roomId))
    .leftJoin(
      last,
      and(eq(last.roomId, rooms.id), eq(last.seq, sql`(select max(seq) from ${messages} as mx where mx.room_id = ${rooms.id})`)),
    )
    .where(and(eq(roomMembers.userId, userId), after ? joinedBefore(after.joinedAt, after.roomId) : undefined))
    .orderBy(desc(roomMembers.joinedAt), desc(roomMembers.roomId))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const items = page.map((r) => ({
    ...toPublicRoom(r.room, r.memberCount, r.role),
    unread: r.unread,
    lastMessage: r.last ? archivedMessage(r.last) : null,
  }));
  const tail = page.at(-1);
  return { items, next: rows.length > limit && tail ? { joinedAt: tail.joinedAt.getTime(), roomId: tail.room.id } : undefined };
}

/** A D1 archive row in the API's message shape. */
export function archivedMessage(row: typeof messages.$inferSelect): Message {
  return {
    id: row.id,
    roomId: row.roomId,
    seq: row.seq,
    clientMsgId: row.clientMsgId,
    sender: { id: row.senderId, username: row.senderUsername },
    body: row.body,
    createdAt: row.createdAt.toISOString(),
  };
}

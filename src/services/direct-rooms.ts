// Direct rooms: one room per pair of users, found or created by either of them. The
// pair row in D1 decides: concurrent first calls from both sides insert one row between them
// and both use its room. Every call then makes sure the room object, D1 and both inboxes
// have the room (all idempotent), so a half-finished creation is completed by the next call.
import { and, eq, or } from "drizzle-orm";
import type { Db } from "../db/client";
import { blocks, directRooms, roomMembers, rooms, users } from "../db/schema";
import { errors } from "../errors";
import { newId } from "../lib/ids";
import { tellJoined } from "./inbox-sync";
import { type PublicRoom, roomStub, toPublicRoom } from "./rooms";

/** The ordered pair key of two users. */
export function pairOf(a: string, b: string): { userA: string; userB: string } {
  return a < b ? { userA: a, userB: b } : { userA: b, userB: a };
}

/** The direct room of `me` and `peerId`, created on the first call; `created` says which. */
export async function openDirectRoom(
  db: Db,
  env: Env,
  me: { id: string; username: string },
  peerId: string,
): Promise<{ room: PublicRoom; created: boolean }> {
  if (peerId === me.id) throw errors.unprocessable("cannot_message_self", "A direct room needs another user.");
  const peer = await db
    .select({ id: users.id, username: users.username })
    .from(users)
    .where(eq(users.id, peerId))
    .get();
  if (!peer) throw errors.unprocessable("unknown_user", "No such user.");
  const pair = pairOf(me.id, peer.id);
  const inserted = await db
    .insert(directRooms)
    .values({ ...pair, roomId: newId() })
    .onConflictDoNothing()
    .returning();
  const row =
    inserted[0] ??
    (await db
      .select()
      .from(directRooms)
      .where(and(eq(directRooms.userA, pair.userA), eq(directRooms.userB, pair.userB)))
      .get());
  if (!row) throw errors.internal();
  const roomId = row.roomId;
  const members = [me.id, peer.id].map((userId) => ({ userId, role: "member" as const }));
  // Grant at the room first, then in D1 (docs/decisions/0022).
  const room = roomStub(env, roomId);
  await room.setup(roomId, "direct", members);
  await syncBlocks(db, env, me.id, peer.id, roomId);
  const [[roomRow]] = await db.batch([
    db
      .insert(rooms)
      .values({ id: roomId, kind: "direct", name: "direct", ownerId: me.id })
      .onConflictDoNothing()
      .returning(),
    db
      .insert(roomMembers)
      .values(members.map((m) => ({ roomId, ...m })))
      .onConflictDoNothing(),
  ]);
  const stored = roomRow ?? (await db.select().from(rooms).where(eq(rooms.id, roomId)).get());
  if (!stored) throw errors.internal();
  const createdAt = stored.createdAt.toISOString();
  const base = { roomId, kind: "direct" as const, role: "member" as const, memberCount: 2, createdAt };
  await tellJoined(env, [
    { userId: me.id, membership: { ...base, name: peer.username, peer } },
    { userId: peer.id, membership: { ...base, name: me.username, peer: { id: me.id, username: me.username } } },
  ]);
  return { room: { ...toPublicRoom(stored, 2, "member"), name: peer.username, peer }, created: inserted.length > 0 };
}

/** The other member of a direct room, as `viewerId` sees it. */
export async function directPeer(
  db: Db,
  roomId: string,
  viewerId: string,
): Promise<{ id: string; username: string } | undefined> {
  const row = await db.select().from(directRooms).where(eq(directRooms.roomId, roomId)).get();
  if (!row) return undefined;
  const peerId = row.userA === viewerId ? row.userB : row.userA;
  return db.select({ id: users.id, username: users.username }).from(users).where(eq(users.id, peerId)).get();
}

/** The direct room of two users, if they have one. */
export async function directRoomOf(db: Db, a: string, b: string): Promise<string | undefined> {
  const pair = pairOf(a, b);
  const row = await db
    .select({ roomId: directRooms.roomId })
    .from(directRooms)
    .where(and(eq(directRooms.userA, pair.userA), eq(directRooms.userB, pair.userB)))
    .get();
  return row?.roomId;
}

/** Copies the pair's blocks (D1, the source of truth) into their direct room object. */
export async function syncBlocks(db: Db, env: Env, a: string, b: string, roomId: string): Promise<void> {
  const rows = await db
    .select({ blockerId: blocks.blockerId })
    .from(blocks)
    .where(
      or(and(eq(blocks.blockerId, a), eq(blocks.blockedId, b)), and(eq(blocks.blockerId, b), eq(blocks.blockedId, a))),
    );
  const blockers = new Set(rows.map((r) => r.blockerId));
  const room = roomStub(env, roomId);
  await Promise.all([a, b].map((userId) => room.setBlocks(userId, blockers.has(userId))));
}

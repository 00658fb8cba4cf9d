// Rooms and memberships in D1, kept in step with each room object's own member set.
// Order of writes: access is granted at the room object first and revoked in D1 first, so a
// failure half-way leaves the user with less access (the Worker checks D1), never more.
import { and, count, desc, eq, inArray, lt, sql } from "drizzle-orm";
import type { MemberRole, RoomKind } from "../protocol/rooms";
import type { Db } from "../db/client";
import { blocks, roomMembers, rooms, users } from "../db/schema";
import { errors } from "../errors";
import { refuseBanned } from "./moderation/room-bans";
import { newId } from "../lib/ids";
import { tellJoined, tellLeft } from "./inbox-sync";

export type RoomRow = typeof rooms.$inferSelect;

/** A room as clients see it (API.md `room`). */
export interface PublicRoom {
  id: string;
  kind: RoomKind;
  name: string;
  memberCount: number;
  createdAt: string;
  role?: MemberRole;
  /** Direct rooms: the other member. */
  peer?: { id: string; username: string };
}

/** The room object of `roomId`. */
export function roomStub(env: Env, roomId: string) {
  return env.ROOM.get(env.ROOM.idFromName(roomId));
}

export function toPublicRoom(row: RoomRow, memberCount: number, role: MemberRole | undefined): PublicRoom {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    memberCount,
    createdAt: row.createdAt.toISOString(),
    ...(role ? { role } : {}),
  };
}

/**
 * True when one of `userIds` has blocked `actorId`: a user you block cannot put you in a group
 * (create or add), as they cannot message you directly (docs/decisions/0067). At most 99 ids.
 */
async function blockedByAny(db: Db, actorId: string, userIds: string[]): Promise<boolean> {
  if (userIds.length === 0) return false;
  const row = await db
    .select({ id: blocks.blockerId })
    .from(blocks)
    .where(and(eq(blocks.blockedId, actorId), inArray(blocks.blockerId, userIds)))
    .limit(1)
    .get();
  return row !== undefined;
}

/** D1 allows 100 bound parameters; a room_members row binds up to 5 (drizzle binds defaults). */
const MEMBERS_PER_INSERT = 20;

/** Creates a channel or group owned by `ownerId`, with `memberIds` as members. */
export async function createRoom(
  db: Db,
  env: Env,
  ownerId: string,
  input: { kind: "channel" | "group"; name: string; memberIds?: string[] | undefined },
): Promise<PublicRoom> {
  const invited = [...new Set(input.memberIds ?? [])].filter((id) => id !== ownerId);
  // D1 binds at most 100 parameters: check members in chunks (big groups come from bench seeding).
  for (let i = 0; i < invited.length; i += 90) {
    const chunk = invited.slice(i, i + 90);
    const found = await db.select({ id: users.id }).from(users).where(inArray(users.id, chunk));
    if (found.length !== chunk.length) throw errors.unprocessable("unknown_user", "Some memberIds are not users.");
    if (await blockedByAny(db, ownerId, chunk)) throw errors.blocked();
  }
  const id = newId();
  const members = [
    { roomId: id, userId: ownerId, role: "owner" as const },
    ...invited.map((userId) => ({ roomId: id, userId, role: "member" as const })),
  ];
  await roomStub(env, id).setup(
    id,
    input.kind,
    members.map(({ userId, role }) => ({ userId, role })),
  );
  const inserts = [];
  for (let i = 0; i < members.length; i += MEMBERS_PER_INSERT) {
    inserts.push(db.insert(roomMembers).values(members.slice(i, i + MEMBERS_PER_INSERT)));
  }
  const [[room]] = await db.batch([
    db.insert(rooms).values({ id, kind: input.kind, name: input.name, ownerId }).returning(),
    ...inserts,
  ]);
  const created = toPublicRoom(room!, members.length, "owner");
  // Every member's room list.
  const membership = {
    roomId: id,
    kind: input.kind,
    name: input.name,
    memberCount: members.length,
    createdAt: created.createdAt,
  };
  await tellJoined(
    env,
    members.map((m) => ({ userId: m.userId, membership: { ...membership, role: m.role } })),
  );
  return created;
}

/** The caller's role in a room, or undefined. */
export async function memberRole(db: Db, roomId: string, userId: string): Promise<MemberRole | undefined> {
  const row = await db
    .select({ role: roomMembers.role })
    .from(roomMembers)
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)))
    .get();
  return row?.role;
}

/** The caller's role, or 404 for a room the caller does not belong to (even if it exists). */
export async function requireMember(db: Db, roomId: string, userId: string): Promise<MemberRole> {
  const role = await memberRole(db, roomId, userId);
  if (!role) throw errors.notFound("room");
  return role;
}

export async function memberCount(db: Db, roomId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(roomMembers).where(eq(roomMembers.roomId, roomId));
  return row?.n ?? 0;
}

/** A room the caller may see: one they belong to, or any public channel. Others are 404. */
export async function visibleRoom(
  db: Db,
  roomId: string,
  userId: string,
): Promise<{ room: RoomRow; role: MemberRole | undefined }> {
  const [room, role] = await Promise.all([
    db.select().from(rooms).where(eq(rooms.id, roomId)).get(),
    memberRole(db, roomId, userId),
  ]);
  if (!room || (!role && room.kind !== "channel")) throw errors.notFound("room");
  return { room, role };
}

/** Joins a public channel (idempotent). A group the caller is in is a no-op; other rooms are 404. */
export async function joinRoom(db: Db, env: Env, roomId: string, userId: string): Promise<void> {
  const { room, role } = await visibleRoom(db, roomId, userId);
  if (role) return;
  if (room.kind !== "channel") throw errors.notFound("room");
  await refuseBanned(db, roomId, userId);
  const readSeq = await roomStub(env, roomId).addMembers([{ userId, role: "member" }]);
  await db.insert(roomMembers).values({ roomId, userId, role: "member" }).onConflictDoNothing();
  await tellJoined(env, [{ userId, membership: await membershipOf(db, room, "member", readSeq) }]);
}

/** What a member's inbox is told about a room. */
export async function membershipOf(db: Db, room: RoomRow, role: MemberRole, readSeq: number | undefined) {
  const memberTotal = await memberCount(db, room.id);
  return {
    roomId: room.id,
    kind: room.kind,
    name: room.name,
    role,
    memberCount: memberTotal,
    createdAt: room.createdAt.toISOString(),
    readSeq,
  };
}

/** Leaves a room; the owner cannot leave (409). The user's sockets in the room close. */
export async function leaveRoom(db: Db, env: Env, roomId: string, userId: string): Promise<void> {
  const role = await requireMember(db, roomId, userId);
  if (role === "owner") throw errors.conflict("owner_cannot_leave", "The owner cannot leave the room.");
  await revoke(db, env, roomId, userId);
}

/** An owner or admin adds a user to a group (or changes their role). */
export async function addMember(
  db: Db,
  env: Env,
  roomId: string,
  actorId: string,
  input: { userId: string; role?: "admin" | "member" | undefined },
): Promise<void> {
  const { room, actorRole } = await requireAdmin(db, roomId, actorId);
  if (room.kind !== "group")
    throw errors.unprocessable("not_a_group", "Only groups take members; channels are joined.");
  const role = input.role ?? "member";
  if (role === "admin" && actorRole !== "owner") throw errors.forbidden("Only the owner can make admins.");
  const target = await db.select({ id: users.id }).from(users).where(eq(users.id, input.userId)).get();
  if (!target) throw errors.unprocessable("unknown_user", "No such user.");
  if (await blockedByAny(db, actorId, [input.userId])) throw errors.blocked();
  await refuseBanned(db, roomId, input.userId);
  const current = await memberRole(db, roomId, input.userId);
  if (current === "owner") throw errors.conflict("cannot_change_owner", "The owner's role cannot change.");
  if (current === "admin" && role === "member" && actorRole !== "owner")
    throw errors.forbidden("Only the owner can demote admins.");
  const readSeq = await roomStub(env, roomId).addMembers([{ userId: input.userId, role }]);
  await db
    .insert(roomMembers)
    .values({ roomId, userId: input.userId, role })
    .onConflictDoUpdate({ target: [roomMembers.roomId, roomMembers.userId], set: { role } });
  // A role change keeps the member's read cursor; a new member starts at the latest seq.
  await tellJoined(env, [
    { userId: input.userId, membership: await membershipOf(db, room, role, current ? undefined : readSeq) },
  ]);
}

/** An owner or admin removes a member; admins only the owner may remove; nobody removes the owner. */
export async function removeMember(db: Db, env: Env, roomId: string, actorId: string, targetId: string): Promise<void> {
  if (actorId === targetId) return leaveRoom(db, env, roomId, actorId);
  const { actorRole } = await requireAdmin(db, roomId, actorId);
  const targetRole = await memberRole(db, roomId, targetId);
  if (!targetRole) throw errors.notFound("member");
  if (targetRole === "owner") throw errors.forbidden("The owner cannot be removed.");
  if (targetRole === "admin" && actorRole !== "owner") throw errors.forbidden("Only the owner can remove admins.");
  await revoke(db, env, roomId, targetId);
}

/** The room and the caller's role when the caller is its owner or an admin; 404 for non-members, 403 for members. */
export async function requireAdmin(
  db: Db,
  roomId: string,
  actorId: string,
): Promise<{ room: RoomRow; actorRole: MemberRole }> {
  const { room, role } = await visibleRoom(db, roomId, actorId);
  if (!role) throw errors.notFound("room");
  if (role !== "owner" && role !== "admin") throw errors.forbidden("Only the owner and admins manage members.");
  return { room, actorRole: role };
}

/** Ends a membership: D1, the room object (its sockets close with 4003) and the inbox. */
export async function revoke(db: Db, env: Env, roomId: string, userId: string): Promise<void> {
  await db.delete(roomMembers).where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)));
  await roomStub(env, roomId).removeMember(userId);
  await tellLeft(env, userId, roomId);
}

/** Moves the D1 copy of a read cursor forward (never back). */
export async function saveReadCursor(db: Db, roomId: string, userId: string, seq: number): Promise<void> {
  await db
    .update(roomMembers)
    .set({ readSeq: sql`max(${roomMembers.readSeq}, ${seq})` })
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)));
}

/** Ids of every room `userId` belongs to. */
export async function roomIdsOf(db: Db, userId: string): Promise<string[]> {
  const rows = await db.select({ id: roomMembers.roomId }).from(roomMembers).where(eq(roomMembers.userId, userId));
  return rows.map((r) => r.id);
}

/** Public channels, newest first; `after` is the last id of the previous page. */
export async function listPublicChannels(db: Db, limit: number, after: string | undefined) {
  const rows = await db
    .select({
      room: rooms,
      memberCount: sql<number>`(select count(*) from ${roomMembers} where ${roomMembers.roomId} = ${rooms.id})`,
    })
    .from(rooms)
    .where(and(eq(rooms.kind, "channel"), after ? lt(rooms.id, after) : undefined))
    .orderBy(desc(rooms.id))
    .limit(limit + 1);
  return { rows: rows.slice(0, limit), more: rows.length > limit };
}

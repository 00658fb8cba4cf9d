// Room bans: the room's owner or an admin (or a site moderator) bans a user; a member is removed
// at once (their sockets close with 4003), and nobody banned can join, be added or open the
// room's socket again until the ban ends or is lifted.
import { and, eq, gt, isNull, or } from "drizzle-orm";
import type { Db } from "../../db/client";
import { roomBans, rooms, users } from "../../db/schema";
import { AppError, errors } from "../../errors";
import type { MemberRole } from "../../protocol/rooms";
import { memberRole, revoke } from "../rooms";
import { auditStatement } from "./audit";
import { hasSiteRole, siteRoleOf } from "./roles";

export interface RoomBanView {
  roomId: string;
  userId: string;
  until: string | null;
  reason: string | null;
}

/** 403 `banned` with `until`: what a banned user gets on join, add and socket upgrade. */
export function bannedError(until: Date | null): AppError {
  return new AppError(
    403,
    "banned",
    "Banned",
    until ? `You are banned from this room until ${until.toISOString()}.` : "You are banned from this room.",
    { until: until?.toISOString() ?? null },
  );
}

/** The ban in force on `userId` in `roomId`, if any. */
export async function activeRoomBan(db: Db, roomId: string, userId: string, now = Date.now()) {
  return db
    .select({ until: roomBans.until })
    .from(roomBans)
    .where(
      and(
        eq(roomBans.roomId, roomId),
        eq(roomBans.userId, userId),
        or(isNull(roomBans.until), gt(roomBans.until, new Date(now))),
      ),
    )
    .get();
}

/** Throws 403 `banned` when `userId` is banned from `roomId`. */
export async function refuseBanned(db: Db, roomId: string, userId: string): Promise<void> {
  const ban = await activeRoomBan(db, roomId, userId);
  if (ban) throw bannedError(ban.until);
}

/** Who may ban or mute in a room: its owner, admins and moderators, or a site moderator (any room but a direct one). */
export async function requireBanner(db: Db, roomId: string, actorId: string): Promise<{ siteModerator: boolean }> {
  const room = await db.select({ kind: rooms.kind }).from(rooms).where(eq(rooms.id, roomId)).get();
  if (!room) throw errors.notFound("room");
  if (room.kind === "direct")
    throw errors.unprocessable("not_bannable", "Direct conversations have no bans; block instead.");
  if (hasSiteRole(await siteRoleOf(db, actorId), "moderator")) return { siteModerator: true };
  const role = await memberRole(db, roomId, actorId);
  if (!role) throw errors.notFound("room");
  if (role === "member") throw errors.forbidden("Only the room's owner, admins and moderators do this.");
  return { siteModerator: false };
}

/**
 * Whether the actor may sanction the target in a room: a site moderator or the owner anyone
 * but the owner; an admin moderators and members; a room moderator members only.
 */
export function outranksInRoom(
  actorRole: MemberRole | undefined,
  targetRole: MemberRole | undefined,
  siteModerator: boolean,
): boolean {
  if (targetRole === "owner") return false;
  if (siteModerator || actorRole === "owner") return true;
  if (actorRole === "admin") return targetRole !== "admin";
  return actorRole === "moderator" && (targetRole === undefined || targetRole === "member");
}

/** Bans `userId` from the room (replacing an earlier ban); removes them if they are a member. */
export async function banFromRoom(
  db: Db,
  env: Env,
  roomId: string,
  actorId: string,
  input: { userId: string; until?: Date | undefined; reason?: string | undefined },
  now = Date.now(),
): Promise<RoomBanView> {
  const { siteModerator } = await requireBanner(db, roomId, actorId);
  if (input.userId === actorId) throw errors.unprocessable("cannot_ban_self", "You cannot ban yourself.");
  if (input.until && input.until.getTime() <= now)
    throw errors.unprocessable("until_in_past", "`until` must be in the future.");
  const target = await db.select({ id: users.id }).from(users).where(eq(users.id, input.userId)).get();
  if (!target) throw errors.notFound("user");
  const [targetRole, actorRole] = await Promise.all([
    memberRole(db, roomId, input.userId),
    memberRole(db, roomId, actorId),
  ]);
  if (targetRole === "owner") throw errors.forbidden("The owner cannot be banned.");
  if (!outranksInRoom(actorRole, targetRole, siteModerator)) throw errors.forbidden("You cannot ban this member.");
  const until = input.until ?? null;
  const reason = input.reason ?? null;
  await db.batch([
    db
      .insert(roomBans)
      .values({ roomId, userId: input.userId, until, reason, bannedBy: actorId })
      .onConflictDoUpdate({ target: [roomBans.roomId, roomBans.userId], set: { until, reason, bannedBy: actorId } }),
    auditStatement(db, {
      actorId,
      action: "room.ban",
      target: { kind: "user", id: input.userId },
      note: input.reason,
      details: { roomId, until: until?.toISOString() ?? null },
    }),
  ]);
  if (targetRole) await revoke(db, env, roomId, input.userId);
  return { roomId, userId: input.userId, until: until?.toISOString() ?? null, reason };
}

/** Lifts a ban (idempotent); the user may join (or be added) again. */
export async function liftRoomBan(db: Db, roomId: string, actorId: string, userId: string): Promise<void> {
  await requireBanner(db, roomId, actorId);
  await db.batch([
    db.delete(roomBans).where(and(eq(roomBans.roomId, roomId), eq(roomBans.userId, userId))),
    auditStatement(db, { actorId, action: "room.unban", target: { kind: "user", id: userId }, details: { roomId } }),
  ]);
}

/** {@link requireMember}, but a banned non-member learns why (403 `banned`) instead of 404. */
export async function requireMemberNotBanned(db: Db, roomId: string, userId: string): Promise<void> {
  if (await memberRole(db, roomId, userId)) return;
  await refuseBanned(db, roomId, userId);
  throw errors.notFound("room");
}

// Room mutes: the room's owner or an admin (or a site moderator) mutes a member until a time;
// the room object refuses the member's sends with `muted` and `until` (durable/room/sanctions.ts).
import type { Db } from "../../db/client";
import { errors } from "../../errors";
import { memberRole, roomStub } from "../rooms";
import { auditStatement } from "./audit";
import { outranksInRoom, requireBanner } from "./room-bans";

export interface RoomMuteView {
  roomId: string;
  userId: string;
  until: string;
}

/** Mutes member `userId` of the room until `until` (replacing an earlier mute). */
export async function muteInRoom(
  db: Db,
  env: Env,
  roomId: string,
  actorId: string,
  input: { userId: string; until: Date },
  now = Date.now(),
): Promise<RoomMuteView> {
  const { siteModerator } = await requireBanner(db, roomId, actorId);
  if (input.userId === actorId) throw errors.unprocessable("cannot_mute_self", "You cannot mute yourself.");
  if (input.until.getTime() <= now) throw errors.unprocessable("until_in_past", "`until` must be in the future.");
  const [targetRole, actorRole] = await Promise.all([
    memberRole(db, roomId, input.userId),
    memberRole(db, roomId, actorId),
  ]);
  if (!targetRole) throw errors.notFound("member");
  if (targetRole === "owner") throw errors.forbidden("The owner cannot be muted.");
  if (!outranksInRoom(actorRole, targetRole, siteModerator)) throw errors.forbidden("You cannot mute this member.");
  await roomStub(env, roomId).setMute(input.userId, input.until.getTime());
  await auditStatement(db, {
    actorId,
    action: "room.mute",
    target: { kind: "user", id: input.userId },
    details: { roomId, until: input.until.toISOString() },
  });
  return { roomId, userId: input.userId, until: input.until.toISOString() };
}

/** Lifts a mute (idempotent). */
export async function unmuteInRoom(db: Db, env: Env, roomId: string, actorId: string, userId: string): Promise<void> {
  await requireBanner(db, roomId, actorId);
  await roomStub(env, roomId).setMute(userId, null);
  await auditStatement(db, {
    actorId,
    action: "room.unmute",
    target: { kind: "user", id: userId },
    details: { roomId },
  });
}

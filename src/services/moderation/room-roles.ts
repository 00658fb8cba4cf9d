// Room roles: the owner and admins set a member's role (admin, moderator, member). Only the
// owner makes or unmakes admins; nobody changes the owner's role.
import type { Db } from "../../db/client";
import { roomMembers } from "../../db/schema";
import { errors } from "../../errors";
import { tellJoined } from "../inbox-sync";
import { memberRole, membershipOf, requireAdmin, roomStub } from "../rooms";
import { and, eq } from "drizzle-orm";

export type AssignableRole = "admin" | "moderator" | "member";

/** Sets member `userId`'s role in the room; returns it. */
export async function setMemberRole(
  db: Db,
  env: Env,
  roomId: string,
  actorId: string,
  userId: string,
  role: AssignableRole,
): Promise<{ roomId: string; userId: string; role: AssignableRole }> {
  const { room, actorRole } = await requireAdmin(db, roomId, actorId);
  if (room.kind === "direct") throw errors.unprocessable("not_a_group", "Direct conversations have no roles.");
  const current = await memberRole(db, roomId, userId);
  if (!current) throw errors.notFound("member");
  if (current === "owner") throw errors.conflict("cannot_change_owner", "The owner's role cannot change.");
  if ((role === "admin" || current === "admin") && actorRole !== "owner") {
    throw errors.forbidden("Only the owner makes or unmakes admins.");
  }
  if (current !== role) {
    await roomStub(env, roomId).addMembers([{ userId, role }]);
    await db
      .update(roomMembers)
      .set({ role })
      .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)));
    // The member's inbox learns the new role (their read cursor is kept).
    await tellJoined(env, [{ userId, membership: await membershipOf(db, room, role, undefined) }]);
  }
  return { roomId, userId, role };
}

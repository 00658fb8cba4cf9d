// Deleting a room message: the sender (within the edit window, room-messages.ts), or a
// moderator of it (the room's owner or an admin, or a site moderator), whose removal is a
// tombstone for everyone and is audited.
import type { Db } from "../../db/client";
import { AppError, errors } from "../../errors";
import { changeMessage, refuseRoom } from "../room-messages";
import { memberRole, roomStub } from "../rooms";
import { recordAudit } from "./audit";
import { hasSiteRole, siteRoleOf } from "./roles";

/** Deletes message `seq` of the room as `callerId`: theirs as the sender, anyone's as a moderator. */
export async function deleteRoomMessage(
  db: Db,
  env: Env,
  roomId: string,
  callerId: string,
  seq: number,
  note?: string,
): Promise<void> {
  const role = await memberRole(db, roomId, callerId);
  if (role) {
    try {
      await changeMessage(env, roomId, callerId, seq);
      return;
    } catch (err) {
      // Not the sender: a moderator may still remove it.
      if (!(err instanceof AppError && err.code === "forbidden")) throw err;
    }
  }
  const roomModerator = role === "owner" || role === "admin" || role === "moderator";
  if (!roomModerator && !hasSiteRole(await siteRoleOf(db, callerId), "moderator")) {
    throw role ? errors.forbidden("Only the sender or a moderator can delete this message.") : errors.notFound("room");
  }
  await removeMessageAsModerator(db, env, roomId, callerId, seq, note);
}

/** A moderator's removal (authorization already checked); audited. */
export async function removeMessageAsModerator(
  db: Db,
  env: Env,
  roomId: string,
  actorId: string,
  seq: number,
  note?: string,
): Promise<void> {
  const result = await roomStub(env, roomId).removeAsModerator(seq);
  if (!result.ok) refuseRoom(result);
  await recordAudit(db, {
    actorId,
    action: "message.remove",
    target: { kind: "message", id: String(seq) },
    note,
    details: { roomId, messageId: result.message.id, senderId: result.message.sender.id },
  });
}

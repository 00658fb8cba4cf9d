// Reactions over HTTP: the room object decides (membership, sanctions, the message, the limit)
// and tells its sockets; a missing or deleted message is 404 `message_not_found`.
import { AppError } from "../errors";
import { refuseRoom } from "./room-messages";
import { roomStub } from "./rooms";

/** Adds (`add`) or removes (`remove`) the caller's reaction; idempotent. */
export async function setReaction(
  env: Env,
  roomId: string,
  userId: string,
  seq: number,
  emoji: string,
  op: "add" | "remove",
): Promise<void> {
  const result = await roomStub(env, roomId).react({ userId, seq, emoji, op });
  if (result.ok) return;
  if (result.code === "message_not_found")
    throw new AppError(404, "message_not_found", "Not found", "No such message in this room.");
  refuseRoom(result);
}

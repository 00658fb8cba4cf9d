// Closing every socket of a session (logout, revocation), wherever it is connected.
import type { Db } from "../db/client";
import { roomIdsOf, roomStub } from "./rooms";
import { activeTaskIds, taskObject } from "./tasks";

/** Room objects called at once when a session ends (each call is one small RPC). */
const ROOM_CALLS_IN_FLIGHT = 8;

/**
 * Closes the sockets that session `sid` of user `userId` holds: its inbox sockets, and the
 * room and task sockets of the objects the user can reach. Each object closes only the
 * sockets tagged with that session.
 */
export async function closeSessionSockets(env: Env, db: Db, userId: string, sid: string): Promise<void> {
  await env.INBOX.get(env.INBOX.idFromName(userId)).endSession(sid);
  // ---- rooms: every room the user belongs to, a bounded number at a time.
  const queue = await roomIdsOf(db, userId);
  const worker = async () => {
    for (let roomId = queue.pop(); roomId !== undefined; roomId = queue.pop()) {
      await roomStub(env, roomId).endSession(sid);
    }
  };
  await Promise.all(Array.from({ length: Math.min(ROOM_CALLS_IN_FLIGHT, queue.length) }, worker));
  // ---- tasks: a finished task closes its sockets itself, so only queued and running ones can hold any.
  const taskIds = await activeTaskIds(db, userId);
  await Promise.all(taskIds.map((id) => taskObject(env, id).endSession(sid)));
}

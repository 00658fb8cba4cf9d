// Closing every socket of a session (logout, revocation), wherever it is connected.
import type { Db } from "../db/client";
import { mapLimit } from "../lib/concurrency";
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
  // Every room the user belongs to, a bounded number at a time.
  await mapLimit(await roomIdsOf(db, userId), ROOM_CALLS_IN_FLIGHT, async (roomId) => {
    await roomStub(env, roomId).endSession(sid);
  });
  // A finished task closes its sockets itself, so only queued and running ones can hold any.
  const taskIds = await activeTaskIds(db, userId);
  await Promise.all(taskIds.map((id) => taskObject(env, id).endSession(sid)));
}

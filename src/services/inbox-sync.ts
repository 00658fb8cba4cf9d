// Keeping users' inboxes (their room lists) in step with memberships, after D1 and the room
// object have changed. An inbox is a projection: it also adopts a room it hears of through a
// delivery, and it is rebuilt from D1 and the rooms if it predates IM.
import { mapLimit } from "../lib/concurrency";
import type { InboxMembership } from "../protocol/inbox";

/** Inbox calls made at once when many members join together (a new group). */
const INBOX_CALLS_IN_FLIGHT = 16;

/** The inbox object of `userId`. */
export function inboxStub(env: Env, userId: string) {
  return env.INBOX.get(env.INBOX.idFromName(userId));
}

/** Tells each member's inbox about a room they are now in (or their new role). */
export async function tellJoined(
  env: Env,
  members: readonly { userId: string; membership: InboxMembership }[],
): Promise<void> {
  await mapLimit(members, INBOX_CALLS_IN_FLIGHT, async ({ userId, membership }) => {
    await inboxStub(env, userId).joined(membership);
  });
}

/** Tells a user's inbox they left a room (or were removed). */
export async function tellLeft(env: Env, userId: string, roomId: string): Promise<void> {
  await inboxStub(env, userId).left(roomId);
}

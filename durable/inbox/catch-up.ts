// An inbox that starts listening (a device connects, the room list is read, a round found a
// gap) learns where its user stands from the rooms themselves: each room computes the unread
// count from its log and the read cursor, and from then on sends the inbox its rounds. One
// call per room, a few in flight; nothing is stored per message while nobody listens
// (docs/decisions/0071).
import { mapLimit } from "../../src/lib/concurrency";
import { countUsage } from "../../src/lib/usage";
import type { MemberSummary } from "../../src/protocol/inbox";
import type { InboxStore } from "./store";

const ROOM_CALLS_IN_FLIGHT = 8;

/** How to ask a room: `attach` also makes the inbox a listener; `peek` only reads. */
export type CatchUpMode = "attach" | "peek";

/** Takes where `userId` stands in each of `roomIds` from the room; returns the rooms whose state changed. */
export async function catchUp(
  env: Env,
  store: InboxStore,
  userId: string,
  roomIds: readonly string[],
  mode: CatchUpMode,
): Promise<string[]> {
  const changed: string[] = [];
  await mapLimit(roomIds, ROOM_CALLS_IN_FLIGHT, async (roomId) => {
    const room = env.ROOM.get(env.ROOM.idFromName(roomId));
    countUsage("doRpcs");
    const summary: MemberSummary | null =
      mode === "attach" ? await room.attachInbox(userId) : await room.memberSummary(userId);
    if (summary && store.applySummary(roomId, summary)) changed.push(roomId);
  });
  return changed;
}

// A member's notification settings for a room (decision 0086): kept in the member's own Inbox
// object, beside the room list and the push decision they govern. Only members may read or set
// them; for anyone else the room is 404, as for every other room route.
import type { Db } from "../db/client";
import type { RoomSettings } from "../protocol/inbox";
import { inboxStub } from "./inbox-sync";
import { requireMember } from "./rooms";

/** The caller's settings for `roomId` (404 unless a member). */
export async function roomSettingsOf(db: Db, env: Env, roomId: string, userId: string): Promise<RoomSettings> {
  await requireMember(db, roomId, userId);
  return inboxStub(env, userId).getRoomSettings(roomId);
}

/**
 * Replaces the caller's settings for `roomId` (404 unless a member). `muteUntil` is stored as
 * UTC; a time already past means not muted (stored as null).
 */
export async function updateRoomSettings(
  db: Db,
  env: Env,
  roomId: string,
  userId: string,
  body: { notify: RoomSettings["notify"]; muteUntil?: string | null | undefined },
  now = Date.now(),
): Promise<RoomSettings> {
  await requireMember(db, roomId, userId);
  const until = body.muteUntil ? Date.parse(body.muteUntil) : undefined;
  const muteUntil = until !== undefined && until > now ? new Date(until).toISOString() : null;
  return inboxStub(env, userId).setRoomSettings(roomId, { notify: body.notify, muteUntil });
}

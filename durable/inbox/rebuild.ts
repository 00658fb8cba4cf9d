// Rebuilding a user's room list: the rooms they belong to come from D1 (room_members). Runs
// once per inbox (one that predates IM, or whose storage was lost); where the user stands in
// each room comes next from the rooms themselves (durable/inbox/catch-up.ts).
import type { InboxMembership } from "../../src/protocol/inbox";
import type { MemberRole, RoomKind } from "../../src/protocol/rooms";
import type { InboxStore } from "./store";

const MAX_ROOMS = 1_000;

interface MembershipRow {
  id: string;
  kind: RoomKind;
  name: string;
  created_at: number;
  role: MemberRole;
  joined_at: number;
  peer_id: string | null;
  peer_username: string | null;
}

/** The user's memberships as D1 has them (direct rooms with their other member). */
export async function membershipsOf(
  db: D1Database,
  userId: string,
  roomId?: string,
): Promise<(InboxMembership & { joinedAt: number })[]> {
  const { results } = await db
    .prepare(
      `SELECT r.id, r.kind, r.name, r.created_at, m.role, m.joined_at, p.id AS peer_id, p.username AS peer_username
       FROM room_members m JOIN rooms r ON r.id = m.room_id
       LEFT JOIN direct_rooms d ON r.kind = 'direct' AND d.room_id = r.id
       LEFT JOIN users p ON p.id = CASE WHEN d.user_a = ?1 THEN d.user_b ELSE d.user_a END
       WHERE m.user_id = ?1 AND (?2 IS NULL OR r.id = ?2) LIMIT ${MAX_ROOMS}`,
    )
    .bind(userId, roomId ?? null)
    .all<MembershipRow>();
  return results.map((r) => ({
    roomId: r.id,
    kind: r.kind,
    name: r.kind === "direct" && r.peer_username ? r.peer_username : r.name,
    role: r.role,
    memberCount: 0,
    createdAt: new Date(r.created_at).toISOString(),
    joinedAt: r.joined_at,
    ...(r.peer_id && r.peer_username ? { peer: { id: r.peer_id, username: r.peer_username } } : {}),
  }));
}

/** Merges every room of `userId` from D1 into the store (a room already listed keeps its read state). */
export async function rebuildInbox(env: Env, store: InboxStore, userId: string): Promise<void> {
  const memberships = await membershipsOf(env.DB, userId);
  store.transaction(() => {
    for (const m of memberships) store.upsertMembership(m, store.hasRoom(m.roomId) ? Date.now() : m.joinedAt);
  });
  store.markBuilt();
}

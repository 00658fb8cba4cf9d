// Bench-only IM routes (behind BENCH_ROUTES = "on", answered before Hono like the other
// /__bench/ routes): seeding a big group fast, forcing a room's fan-out path, and reading
// what members' inboxes received. Never enable in production.
//
// POST /__bench/im/group     {ownerId, memberIds?, synthetic}  -> {roomId, memberIds}
// POST /__bench/im/path      {roomId, path: auto|direct|queue}  -> 204
// POST /__bench/im/standings {roomId, userIds}                  -> {items: ({unread, readSeq, lastSeq} | null)[]}
//      (each user's entry for the room in their room list, read as GET /v1/rooms reads it)
// POST /__bench/im/stats     {roomId, userIds}                  -> {deliveries, roomCalls, fanout}
import { z } from "zod";
import { createDb } from "../db/client";
import { mapLimit } from "../lib/concurrency";
import { users } from "../db/schema";
import { createRoom } from "../services/rooms";

const GroupSchema = z.object({
  ownerId: z.string().min(1),
  memberIds: z.array(z.string()).max(1_000).default([]),
  synthetic: z.number().int().min(0).max(10_000),
});
const PathSchema = z.object({ roomId: z.string().min(1), path: z.enum(["auto", "direct", "queue"]) });
const MembersSchema = z.object({
  roomId: z.string().min(1),
  userIds: z.array(z.string()).max(10_000),
});
/** D1 allows 100 bound parameters; drizzle binds 6 for a users row. */
const USERS_PER_INSERT = 15;
const CALLS_IN_FLIGHT = 50;

/** Handles /__bench/im/*; the caller has checked that bench routes are on. */
export async function benchImRoute(request: Request, env: Env, pathname: string): Promise<Response | undefined> {
  if (request.method !== "POST") return undefined;
  const body: unknown = await request.json().catch(() => undefined);
  if (pathname === "/__bench/im/group") {
    const input = GroupSchema.parse(body);
    const db = createDb(env.DB);
    const ids = Array.from({ length: input.synthetic }, () => crypto.randomUUID());
    for (let i = 0; i < ids.length; i += USERS_PER_INSERT) {
      const rows = ids.slice(i, i + USERS_PER_INSERT).map((id) => ({
        id,
        username: `b_${id.replace(/-/g, "").slice(0, 24)}`,
        displayName: "bench",
        passwordHash: "x",
      }));
      await db.insert(users).values(rows);
    }
    const memberIds = [...input.memberIds, ...ids];
    const room = await createRoom(db, env, input.ownerId, {
      kind: "group",
      name: `bench ${memberIds.length + 1}`,
      memberIds,
    });
    return Response.json({ roomId: room.id, memberIds: [input.ownerId, ...memberIds] });
  }
  if (pathname === "/__bench/im/path") {
    const input = PathSchema.parse(body);
    await env.ROOM.get(env.ROOM.idFromName(input.roomId)).setFanoutPath(input.path);
    return new Response(null, { status: 204 });
  }
  if (pathname === "/__bench/im/standings") {
    const input = MembersSchema.parse(body);
    const items = await mapLimit(input.userIds, CALLS_IN_FLIGHT, async (userId) => {
      const page = await env.INBOX.get(env.INBOX.idFromName(userId)).rooms(userId, 100);
      const room = page.items.find((r) => r.id === input.roomId);
      return room ? { unread: room.unread, readSeq: room.readSeq, lastSeq: room.lastSeq } : null;
    });
    return Response.json({ items });
  }
  if (pathname === "/__bench/im/stats") {
    const input = MembersSchema.parse(body);
    const stats = await mapLimit(input.userIds, CALLS_IN_FLIGHT, (id) =>
      env.INBOX.get(env.INBOX.idFromName(id)).stats(),
    );
    const fanout = await env.ROOM.get(env.ROOM.idFromName(input.roomId)).fanoutStats();
    return Response.json({
      deliveries: stats.reduce((sum, s) => sum + s.deliveries, 0),
      roomCalls: stats.reduce((sum, s) => sum + s.roomCalls, 0),
      fanout,
    });
  }
  return undefined;
}

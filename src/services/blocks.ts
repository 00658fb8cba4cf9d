// Blocking: a blocked user's direct messages to the blocker are refused (403 `blocked`,
// HTTP and socket); history stays. D1 `blocks` is the source of truth; the pair's direct room
// object holds a copy it checks on every send (written after D1, and again on every open).
import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { blocks } from "../db/schema";
import { errors } from "../errors";
import { directRoomOf, syncBlocks } from "./direct-rooms";
import { requireUser } from "./users";

/** `blockerId` blocks `blockedId` (idempotent). */
export async function blockUser(db: Db, env: Env, blockerId: string, blockedId: string): Promise<void> {
  if (blockerId === blockedId) throw errors.unprocessable("cannot_block_self", "You cannot block yourself.");
  await requireUser(db, blockedId);
  await db.insert(blocks).values({ blockerId, blockedId }).onConflictDoNothing();
  await syncPair(db, env, blockerId, blockedId);
}

/** `blockerId` unblocks `blockedId` (idempotent). */
export async function unblockUser(db: Db, env: Env, blockerId: string, blockedId: string): Promise<void> {
  await requireUser(db, blockedId);
  await db.delete(blocks).where(and(eq(blocks.blockerId, blockerId), eq(blocks.blockedId, blockedId)));
  await syncPair(db, env, blockerId, blockedId);
}

async function syncPair(db: Db, env: Env, a: string, b: string): Promise<void> {
  const roomId = await directRoomOf(db, a, b);
  if (roomId) await syncBlocks(db, env, a, b, roomId);
}

// Site roles: user < moderator < admin. Read from D1 on each moderation request (never from the
// token, so a revoked role stops working at once); changed only by admins and the CLI grant.
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { users } from "../../db/schema";
import { errors } from "../../errors";
import { forgetProfiles } from "../profile-cache";
import { requireUser, type SiteRole } from "../users";
import { auditStatement } from "./audit";

const RANK: Record<SiteRole, number> = { user: 0, moderator: 1, admin: 2 };

/** True when `role` is at least `needed`. */
export function hasSiteRole(role: SiteRole, needed: SiteRole): boolean {
  return RANK[role] >= RANK[needed];
}

/** The user's site role; `user` for an unknown id. */
export async function siteRoleOf(db: Db, userId: string): Promise<SiteRole> {
  const row = await db.select({ role: users.role }).from(users).where(eq(users.id, userId)).get();
  return row?.role ?? "user";
}

/** Sets a user's site role (admins only, checked by the route) and records it in the audit log. */
export async function setSiteRole(
  db: Db,
  actorId: string,
  targetId: string,
  role: SiteRole,
): Promise<{ id: string; role: SiteRole }> {
  const target = await requireUser(db, targetId);
  if (targetId === actorId && role !== "admin") {
    // The last admin could otherwise lock everyone out; another admin (or the CLI) can do it.
    throw errors.unprocessable("cannot_demote_self", "An admin cannot remove their own admin role.");
  }
  await db.batch([
    db.update(users).set({ role }).where(eq(users.id, targetId)),
    auditStatement(db, {
      actorId,
      action: "role.set",
      target: { kind: "user", id: targetId },
      details: { from: target.role, to: role },
    }),
  ]);
  forgetProfiles(targetId);
  return { id: targetId, role };
}

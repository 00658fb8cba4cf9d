// Site-role authorization for moderation routes: the caller's role is read from D1 per request.
// The operator token (BACKEND_TOKEN) is for machines and never passes here (docs/decisions/0072).
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { errors } from "../errors";
import { hasSiteRole, siteRoleOf } from "../services/moderation/roles";
import type { SiteRole } from "../services/users";

/** Requires a caller (mount after `requireAuth()`) whose site role is at least `needed`; else 403. */
export function requireSiteRole(needed: Exclude<SiteRole, "user">) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const role = await siteRoleOf(c.var.db, c.var.auth.id);
    if (!hasSiteRole(role, needed)) throw errors.forbidden(`This needs the site role ${needed}.`);
    await next();
  });
}

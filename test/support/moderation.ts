// Helpers for moderation tests: users with a site role (set in D1, as `npm run plaza -- admin grant` does).
import { env } from "cloudflare:workers";
import { registerUser, type TestUser } from "./api";

export type SiteRole = "user" | "moderator" | "admin";

/** Sets a user's site role directly in D1 (the CLI's statement). */
export async function setRole(user: TestUser, role: SiteRole): Promise<void> {
  await env.DB.prepare("UPDATE users SET role = ? WHERE id = ?").bind(role, user.user.id).run();
}

/** A fresh user with `role`. */
export async function userWithRole(role: SiteRole, prefix = "md"): Promise<TestUser> {
  const user = await registerUser(prefix);
  if (role !== "user") await setRole(user, role);
  return user;
}

// Public profiles read through a short per-isolate cache. `/v1/me` is called on every app
// start and reconnect; a profile changes rarely, and its counters are eventually consistent
// anyway (API.md), so an isolate reuses a profile it read in the last few seconds. Changes
// made in this isolate (follow, unfollow) forget the affected profiles at once.
import type { Db } from "../db/client";
import { type PublicUser, requireUser, toPublicUser } from "./users";

/** Bounds the memory of one isolate; the oldest profiles are forgotten first. */
const MAX_PROFILES = 5_000;
const profiles = new Map<string, { profile: PublicUser; until: number }>();

/** The public profile of user `id` (404 if missing), at most `cacheMs` old. */
export async function profileOf(db: Db, id: string, cacheMs: number, now = Date.now()): Promise<PublicUser> {
  const cached = profiles.get(id);
  if (cached && cached.until > now) return cached.profile;
  const profile = toPublicUser(await requireUser(db, id));
  if (cacheMs > 0) {
    profiles.delete(id);
    profiles.set(id, { profile, until: now + cacheMs });
    if (profiles.size > MAX_PROFILES) profiles.delete(profiles.keys().next().value!);
  }
  return profile;
}

/** Forgets the cached profiles of `ids` (after a change to them). */
export function forgetProfiles(...ids: string[]): void {
  for (const id of ids) profiles.delete(id);
}

// Writes (posts, comments, likes, follows, messages, tasks) count against the caller's quota.
import { rateLimit } from "./rate-limit";

/** Rate-limits a write per authenticated user; mount after `requireAuth()`. */
export function limitWrites() {
  return rateLimit({ limiter: (env) => env.WRITE_LIMITER, keys: (c) => [`write:user:${c.get("auth").id}`] });
}

// Rate limiting with the platform's Rate Limiting binding: each request is counted once
// per key, and any key over its limit answers 429 with Retry-After.
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { errors } from "../errors";

/**
 * The binding's window is at most 60 seconds (wrangler.toml `period`), so after 60 seconds
 * a client is always allowed again: a safe Retry-After whatever the configured period.
 */
const RETRY_AFTER_SECONDS = 60;

export interface RateLimitOptions {
  limiter: (env: Env) => RateLimit;
  /** The keys to count this request against (e.g. `ip:1.2.3.4`, `user:ada`). */
  keys: (c: Context<AppEnv>) => string[] | Promise<string[]>;
}

/** Counts the request against every key and rejects it if any key is over its limit. */
export async function enforceRateLimit(c: Context<AppEnv>, options: RateLimitOptions): Promise<void> {
  const limiter = options.limiter(c.env);
  const keys = await options.keys(c);
  const outcomes = await Promise.all(keys.map((key) => limiter.limit({ key })));
  if (outcomes.some((o) => !o.success)) {
    c.get("log").warn("rate limited", { keys: keys.map((k) => k.split(":")[0]) });
    throw errors.rateLimited(RETRY_AFTER_SECONDS);
  }
}

/** Middleware form of {@link enforceRateLimit}. */
export function rateLimit(options: RateLimitOptions) {
  return createMiddleware<AppEnv>(async (c, next) => {
    await enforceRateLimit(c, options);
    await next();
  });
}

/** The client's address as Cloudflare reports it. */
export function clientIp(c: Context<AppEnv>): string {
  return c.req.header("CF-Connecting-IP") ?? "unknown";
}

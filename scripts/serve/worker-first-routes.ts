// Direct routes for the paths wrangler.toml sends to the Worker first ([assets]
// run_worker_first), so Miniflare's entry hands them straight to the Worker instead of through
// the local assets router (three more JavaScript hops per request, which cut a hello-world
// Worker from ~3,700 to ~1,200 req/s here; decision 0041). They are a fast path only: a path
// not expressed here still reaches the router, which applies the exact rules, so behaviour is
// the same either way.

/** The router's rules as wrangler derives them from run_worker_first. */
export interface StaticRouting {
  user_worker?: string[];
  asset_worker?: string[];
}

/**
 * Miniflare route patterns ("*<path>" or "*<prefix>*") for the `user_worker` rules that a
 * route can express exactly: a literal path, or a literal prefix ending in "*". A glob with
 * "*" elsewhere is left to the router. Negated rules (`asset_worker`) carve exceptions routes
 * cannot express, so with any of them there is no fast path at all.
 */
export function workerFirstRoutes(routing: StaticRouting | undefined): string[] {
  if (!routing || (routing.asset_worker?.length ?? 0) > 0) return [];
  return (routing.user_worker ?? [])
    .filter((rule) => rule.startsWith("/") && !rule.slice(0, -1).includes("*"))
    .map((rule) => `*${rule}`);
}

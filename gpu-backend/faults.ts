// Fault injection for tests, by URL prefix: a backend registered at `http://host:port/fault/<mode>`
// misbehaves in that way while still speaking the real protocol. Without a prefix it behaves.
//   500         every job / completion answers 500 (health is fine)
//   hang        accepts the request and never answers
//   stall       openai: 3 tokens then silence; plaza-job: one progress callback then silence
//   die         openai: 3 tokens then the connection is destroyed; plaza-job: connection destroyed
//   dup         plaza-job: every callback sent twice, and a stale progress after a newer one
//   late        plaza-job: callbacks keep coming after the result
//   fail-first-N[-tag]  the first N jobs/completions on this prefix answer 500, then it behaves
//   down        everything, health included, answers 503

export type Fault = "none" | "500" | "hang" | "stall" | "die" | "dup" | "late" | "down" | "fail-first";

export interface Routed {
  fault: Fault;
  /** For fail-first-N. */
  count: number;
  /** The key counting this prefix's requests. */
  prefix: string;
  /** The path after the prefix. */
  path: string;
}

const failCounters = new Map<string, number>();

/** Splits `/fault/<mode>/rest` into the fault and `/rest`. */
export function route(pathname: string): Routed {
  const m = /^\/fault\/([a-z0-9-]+)(\/.*)?$/.exec(pathname);
  if (!m?.[1]) return { fault: "none", count: 0, prefix: "", path: pathname };
  const mode = m[1];
  const path = m[2] ?? "/";
  const ff = /^fail-first-(\d+)(-[a-z0-9]+)?$/.exec(mode);
  if (ff?.[1]) return { fault: "fail-first", count: Number(ff[1]), prefix: `/fault/${mode}`, path };
  const known: Fault[] = ["500", "hang", "stall", "die", "dup", "late", "down"];
  return { fault: known.includes(mode as Fault) ? (mode as Fault) : "none", count: 0, prefix: `/fault/${mode}`, path };
}

/** True when this request should fail with 500 under fail-first-N (counts it). */
export function failsFirst(r: Routed): boolean {
  if (r.fault !== "fail-first") return false;
  const seen = failCounters.get(r.prefix) ?? 0;
  failCounters.set(r.prefix, seen + 1);
  return seen < r.count;
}

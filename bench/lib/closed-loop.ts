// A bounded closed-loop load: `concurrency` callers each send the next request as soon as
// their last one answered, until `total` requests or `maxSeconds` (for scripted requests
// that autocannon cannot express: a different user or post per request).
import { percentile } from "./stats.ts";

export interface LoadResult {
  requests: number;
  ok: number;
  failed: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Wall-clock time (Date.now()) when the last request finished. */
  endedAt: number;
}

/** Runs `fire(i)` for i in [0, total) with `concurrency` in flight; `fire` resolves true for a success. */
export async function runLoad(options: {
  total: number;
  concurrency: number;
  maxSeconds: number;
  fire: (i: number) => Promise<boolean>;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let ok = 0;
  let failed = 0;
  const started = performance.now();
  const deadline = started + options.maxSeconds * 1000;
  const worker = async () => {
    while (next < options.total && performance.now() < deadline) {
      const i = next++;
      const t0 = performance.now();
      const success = await options.fire(i).catch(() => false);
      latencies.push(performance.now() - t0);
      if (success) ok++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return {
    requests: latencies.length,
    ok,
    failed,
    seconds,
    perSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    endedAt: Date.now(),
  };
}

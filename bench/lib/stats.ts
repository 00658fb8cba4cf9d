// Numbers for benchmarks: percentiles and summaries, and the small async helpers every
// benchmark loop uses (sleep, a bounded worker pool, a shuffle, one clock).

/** The p-th percentile (0..100) of `values` (nearest rank); NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** The median of `values`; NaN when empty. */
export const median = (values: readonly number[]) => percentile(values, 50);

/** Rounds to `digits` decimals. */
export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Count, mean and the usual percentiles of `values`, rounded to 0.01 (NaN when empty). */
export function summarize(values: readonly number[]): Summary {
  const mean = values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
  return {
    count: values.length,
    mean: round(mean),
    p50: round(percentile(values, 50)),
    p90: round(percentile(values, 90)),
    p99: round(percentile(values, 99)),
    // A loop, not Math.max(...values): a fan-out run collects millions of samples.
    max: round(values.length ? values.reduce((a, b) => Math.max(b, a)) : Number.NaN),
  };
}

/** Milliseconds with sub-millisecond precision on a clock shared by all code in this process. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `work` over `items` with at most `limit` in flight (the Worker's own helper). */
export { mapLimit } from "../../src/lib/concurrency.ts";

/** Shuffles in place (Fisher-Yates). */
export function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

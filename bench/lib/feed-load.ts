// Generic load helpers for benchmarks: a bounded closed-loop load runner, percentiles and a
// plain-text table. (Kept under feed-* so the lead can merge them with other bench helpers.)

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

/**
 * Runs `fire(i)` for i in [0, total) with `concurrency` requests in flight, stopping early after
 * `maxSeconds`. `fire` resolves true for a success. Bounded in count and time.
 */
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
      let success = false;
      try {
        success = await options.fire(i);
      } catch {
        success = false;
      }
      latencies.push(performance.now() - t0);
      if (success) ok++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
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

/** The p-th percentile of ascending `sorted` values (nearest rank); 0 when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** The median of some values. */
export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** Formats rows as an aligned plain-text table. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === "number" ? formatNumber(c) : c)))];
  const widths = headers.map((_, col) => Math.max(...cells.map((r) => String(r[col] ?? "").length)));
  const line = (r: (string | number)[]) => r.map((c, col) => String(c).padEnd(widths[col]!)).join("  ").trimEnd();
  return [line(cells[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2);
}

/** Shuffles in place (Fisher-Yates). */
export function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

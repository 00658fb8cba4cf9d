// The isolate's own tally of counters and latency histograms: plain in-memory maps, updated
// synchronously (no await, no I/O). `GET /metrics` renders it; under `npm start` one isolate
// runs the Worker and every object, so the tally is the whole server's.

/** Label values by label name; the same names in the same order for one metric. */
export type Labels = Readonly<Record<string, string>>;

/** Upper bounds (ms) of the latency buckets, Prometheus-style (cumulative, plus +Inf). */
export const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000];

export interface CounterSeries {
  name: string;
  labels: Labels;
  value: number;
}

export interface HistogramSeries {
  name: string;
  labels: Labels;
  /** Observations at or below each bound of LATENCY_BUCKETS_MS (not cumulative). */
  buckets: number[];
  sum: number;
  count: number;
}

const counters = new Map<string, CounterSeries>();
const histograms = new Map<string, HistogramSeries>();

function key(name: string, labels: Labels): string {
  let k = name;
  for (const v of Object.values(labels)) k += `\u0000${v}`;
  return k;
}

/** Adds `n` to a counter. */
export function addToCounter(name: string, labels: Labels, n: number): void {
  const k = key(name, labels);
  const series = counters.get(k);
  if (series) series.value += n;
  else counters.set(k, { name, labels, value: n });
}

/** Records one observation (ms) in a histogram. */
export function observeHistogram(name: string, labels: Labels, value: number): void {
  const k = key(name, labels);
  let series = histograms.get(k);
  if (!series) {
    series = { name, labels, buckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0), sum: 0, count: 0 };
    histograms.set(k, series);
  }
  let i = 0;
  while (i < LATENCY_BUCKETS_MS.length && value > (LATENCY_BUCKETS_MS[i] ?? Number.POSITIVE_INFINITY)) i++;
  series.buckets[i] = (series.buckets[i] ?? 0) + 1;
  series.sum += value;
  series.count++;
}

/** Every series recorded so far in this isolate. */
export function snapshot(): { counters: CounterSeries[]; histograms: HistogramSeries[] } {
  return { counters: [...counters.values()], histograms: [...histograms.values()] };
}

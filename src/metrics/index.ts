// Metrics: counters and latency histograms for what an operator watches. Writing one costs no
// await: it updates the isolate's tally (registry.ts, served at GET /metrics) and, where the
// Worker has the Analytics Engine binding (METRICS_DATASET, production), writes one data point,
// which the runtime sends in the background. METRICS = "off" turns both off. The names, labels
// and Analytics Engine queries are in docs/operations.md.
import { addToCounter, type Labels, observeHistogram } from "./registry";

/** Every metric Plaza writes, with its labels (the data point's blobs, in this order). */
export interface MetricLabels {
  plaza_http_requests_total: { method: string; route: string; status: string };
  plaza_http_request_duration_ms: { method: string; route: string };
  plaza_rate_limited_total: { surface: "http" | "socket"; where: string };
  plaza_queue_messages_total: { queue: string };
  plaza_queue_message_age_ms: { queue: string };
  plaza_cron_runs_total: { cron: string; outcome: "ok" | "failed" };
  plaza_cron_sweeps_total: { sweep: string; outcome: "ok" | "failed" };
  plaza_room_messages_archived_total: Record<string, never>;
}
export type MetricName = keyof MetricLabels;

type Dataset = Pick<AnalyticsEngineDataset, "writeDataPoint">;

let enabled = true;
let dataset: Dataset | undefined;
let boundTo: object | undefined;

/**
 * Reads METRICS and METRICS_DATASET from `env` (once per env object). Each entry point (fetch,
 * queue, scheduled) calls it; an isolate that never ran one keeps its tally in memory only.
 */
export function bindMetrics(env: { METRICS?: string; METRICS_DATASET?: Dataset }): void {
  if (boundTo === env) return;
  boundTo = env;
  enabled = env.METRICS !== "off";
  dataset = env.METRICS_DATASET;
}

/** Whether metrics are written at all (METRICS is not "off"). */
export const metricsEnabled = (): boolean => enabled;

function write(name: MetricName, labels: Labels, value: number): void {
  if (!dataset) return;
  try {
    // index: the metric name (AE samples per index); blobs: label values; double1: the value.
    dataset.writeDataPoint({ indexes: [name], blobs: Object.values(labels), doubles: [value] });
  } catch {
    // A metric never fails the work it measures.
  }
}

/** Adds `n` (default 1) to a counter. */
export function count<N extends MetricName>(name: N, labels: MetricLabels[N], n = 1): void {
  if (!enabled) return;
  addToCounter(name, labels, n);
  write(name, labels, n);
}

/** Records a duration or age in milliseconds. */
export function observe<N extends MetricName>(name: N, labels: MetricLabels[N], ms: number): void {
  if (!enabled) return;
  observeHistogram(name, labels, ms);
  write(name, labels, ms);
}

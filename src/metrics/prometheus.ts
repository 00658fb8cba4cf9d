// Prometheus text exposition format 0.0.4 of the isolate's tally and the scrape-time gauges.
import type { Gauge } from "./gauges";
import { type CounterSeries, type HistogramSeries, type Labels, LATENCY_BUCKETS_MS } from "./registry";

const HELP: Record<string, string> = {
  plaza_http_requests_total: "HTTP requests by method, route template and status",
  plaza_http_request_duration_ms: "HTTP request duration in the Worker (ms)",
  plaza_rate_limited_total: "Requests (429) and socket frames refused by a rate limit",
  plaza_queue_messages_total: "Queue messages delivered to a consumer",
  plaza_queue_message_age_ms: "Age of a queue message when its consumer got it (ms)",
  plaza_cron_runs_total: "Cron handler runs",
  plaza_cron_sweeps_total: "Cron sweeps by outcome",
  plaza_room_messages_archived_total: "Room messages written to D1 by the archive consumer",
};

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

function labelText(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return pairs.length ? `{${pairs.join(",")}}` : "";
}

function groupBy<T extends { name: string }>(items: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(item.name, [...(out.get(item.name) ?? []), item]);
  return out;
}

/** The exposition text. */
export function renderPrometheus(counters: CounterSeries[], histograms: HistogramSeries[], gauges: Gauge[]): string {
  const lines: string[] = [];
  for (const [name, series] of groupBy(counters)) {
    lines.push(`# HELP ${name} ${HELP[name] ?? name}`, `# TYPE ${name} counter`);
    for (const s of series) lines.push(`${name}${labelText(s.labels)} ${s.value}`);
  }
  for (const [name, series] of groupBy(histograms)) {
    lines.push(`# HELP ${name} ${HELP[name] ?? name}`, `# TYPE ${name} histogram`);
    for (const s of series) {
      let cumulative = 0;
      LATENCY_BUCKETS_MS.forEach((bound, i) => {
        cumulative += s.buckets[i] ?? 0;
        lines.push(`${name}_bucket${labelText(s.labels, ["le", String(bound)])} ${cumulative}`);
      });
      lines.push(`${name}_bucket${labelText(s.labels, ["le", "+Inf"])} ${s.count}`);
      lines.push(`${name}_sum${labelText(s.labels)} ${s.sum}`, `${name}_count${labelText(s.labels)} ${s.count}`);
    }
  }
  for (const [name, series] of groupBy(gauges)) {
    const type = name.endsWith("_total") ? "counter" : "gauge";
    lines.push(`# HELP ${name} ${series[0]?.help ?? name}`, `# TYPE ${name} ${type}`);
    for (const s of series) lines.push(`${name}${labelText(s.labels)} ${s.value}`);
  }
  return `${lines.join("\n")}\n`;
}

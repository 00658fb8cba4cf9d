// The metrics module: counters and histograms add up, METRICS = "off" writes nothing, the
// Analytics Engine data point carries the name as index and the labels as blobs, and the
// Prometheus text is well-formed (cumulative buckets, escaped label values).
import { describe, expect, it } from "vitest";
import { bindMetrics, count, observe } from "../../src/metrics";
import { renderPrometheus } from "../../src/metrics/prometheus";
import { LATENCY_BUCKETS_MS, snapshot } from "../../src/metrics/registry";

describe("metrics", () => {
  it("writes a data point per event to the dataset, and nothing at all when off", () => {
    const points: AnalyticsEngineDataPoint[] = [];
    bindMetrics({ METRICS: "on", METRICS_DATASET: { writeDataPoint: (p) => p && points.push(p) } });
    count("plaza_queue_messages_total", { queue: "unit-q" }, 3);
    observe("plaza_queue_message_age_ms", { queue: "unit-q" }, 7);
    expect(points).toEqual([
      { indexes: ["plaza_queue_messages_total"], blobs: ["unit-q"], doubles: [3] },
      { indexes: ["plaza_queue_message_age_ms"], blobs: ["unit-q"], doubles: [7] },
    ]);
    const counted = () => snapshot().counters.find((c) => c.labels.queue === "unit-q")?.value;
    expect(counted()).toBe(3);

    bindMetrics({ METRICS: "off" });
    count("plaza_queue_messages_total", { queue: "unit-q" }, 5);
    expect(counted()).toBe(3);
    expect(points).toHaveLength(2);
    bindMetrics({ METRICS: "on" });
  });

  it("renders cumulative buckets and escapes label values", () => {
    bindMetrics({ METRICS: "on" });
    for (const ms of [0.5, 3, 3, 70_000]) observe("plaza_queue_message_age_ms", { queue: 'we"ird\n' }, ms);
    const { counters, histograms } = snapshot();
    const text = renderPrometheus(counters, histograms, [
      { name: "plaza_queue_backlog", help: "backlog", labels: { queue: "q" }, value: 2 },
    ]);
    const label = 'queue="we\\"ird\\n"';
    expect(text).toContain(`plaza_queue_message_age_ms_bucket{${label},le="1"} 1`);
    expect(text).toContain(`plaza_queue_message_age_ms_bucket{${label},le="5"} 3`);
    expect(text).toContain(`plaza_queue_message_age_ms_bucket{${label},le="${LATENCY_BUCKETS_MS.at(-1)}"} 3`);
    expect(text).toContain(`plaza_queue_message_age_ms_bucket{${label},le="+Inf"} 4`);
    expect(text).toContain(`plaza_queue_message_age_ms_count{${label}} 4`);
    expect(text).toContain('# TYPE plaza_queue_backlog gauge\nplaza_queue_backlog{queue="q"} 2');
  });
});

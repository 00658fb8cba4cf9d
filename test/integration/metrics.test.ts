// GET /metrics (issue 20.2): the operator's Prometheus scrape. Only the operator token reads it;
// requests are counted by route template and status with a latency histogram, 429s as
// rate-limit refusals, queue deliveries with their age, and gauges are read at scrape time
// (queue backlog, dead letters, tasks waiting, backends with health and breaker).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem, freshIp, json, registerUser, uniqueUsername } from "../support/api";
import { waitFor } from "../support/feed";

/** Scrapes with `token` (the operator's by default; null: no Authorization header). */
const scrape = (token: string | null = env.BACKEND_TOKEN) =>
  call("/metrics", token === null ? {} : { headers: { Authorization: `Bearer ${token}` } });

async function metricsText(): Promise<string> {
  const res = await scrape();
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one series (exact labels as rendered), or 0 when it is not there yet. */
function seriesValue(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe("GET /metrics", () => {
  it("is for the operator only", async () => {
    const u = await registerUser("met");
    await expectProblem(await scrape(null), 401, "unauthorized");
    await expectProblem(await scrape(u.accessToken), 401, "unauthorized");
    await expectProblem(await scrape(`${env.BACKEND_TOKEN}x`), 401, "unauthorized");
    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  });

  it("counts requests by route template and status, with a latency histogram", async () => {
    const healthz = 'plaza_http_requests_total{method="GET",route="/healthz",status="200"}';
    const unmatched = 'plaza_http_requests_total{method="GET",route="unmatched",status="404"}';
    const before = await metricsText();
    for (let i = 0; i < 3; i++) await (await call("/healthz")).body?.cancel();
    await (await call("/v1/no-such-route")).body?.cancel();
    const u = await registerUser("met");
    const profile = await call(`/v1/users/${u.user.id}`, { token: u.accessToken });
    expect(profile.status).toBe(200);
    const after = await metricsText();
    expect(seriesValue(after, healthz) - seriesValue(before, healthz)).toBe(3);
    expect(seriesValue(after, unmatched) - seriesValue(before, unmatched)).toBe(1);
    // The template, never the id: an id in a label would make one series per user.
    expect(after).toContain('plaza_http_requests_total{method="GET",route="/v1/users/:id",status="200"}');
    expect(after).not.toContain(u.user.id);
    expect(after).toContain("# TYPE plaza_http_request_duration_ms histogram");
    expect(after).toMatch(/plaza_http_request_duration_ms_bucket\{method="GET",route="\/healthz",le="\+Inf"\} \d+/);
    expect(
      seriesValue(after, 'plaza_http_request_duration_ms_count{method="GET",route="/healthz"}'),
    ).toBeGreaterThanOrEqual(3);
  });

  it("counts a 429 as a rate-limit refusal of its route", async () => {
    const series = 'plaza_rate_limited_total{surface="http",where="/v1/auth/login"}';
    const before = seriesValue(await metricsText(), series);
    const ip = freshIp();
    for (let i = 0; i < 21; i++) {
      const res = await call("/v1/auth/login", {
        ip,
        body: { username: uniqueUsername("rl"), password: "whatever123" },
      });
      await res.body?.cancel();
    }
    expect(seriesValue(await metricsText(), series) - before).toBe(1);
  });

  it("counts queue deliveries per queue and reads backlog, dead letters and backends at scrape time", async () => {
    const delivered = 'plaza_queue_messages_total{queue="plaza-events"}';
    const before = seriesValue(await metricsText(), delivered);
    const u = await registerUser("met");
    const post = await json<{ id: string }>(await call("/v1/posts", { token: u.accessToken, body: { content: "m" } }));
    expect((await call(`/v1/posts/${post.id}/like`, { token: u.accessToken, method: "POST" })).status).toBeLessThan(
      300,
    );
    const after = await waitFor(metricsText, (t) => seriesValue(t, delivered) > before);
    expect(after).toMatch(/plaza_queue_message_age_ms_count\{queue="plaza-events"\} \d+/);
    await env.DB.prepare(
      "INSERT INTO dead_letters (id, queue, body, reason, attempts) VALUES (?, 'plaza-tasks-dlq', '{}', 'metrics test', 1)",
    )
      .bind(crypto.randomUUID())
      .run();
    const text = await metricsText();
    expect(seriesValue(text, 'plaza_dead_letters{queue="plaza-tasks-dlq"}')).toBeGreaterThanOrEqual(1);
    for (const queue of ["plaza-events", "plaza-events-dlq", "plaza-fanout", "plaza-tasks", "plaza-tasks-dlq"])
      expect(text).toMatch(new RegExp(`plaza_queue_backlog\\{queue="${queue}"\\} \\d+`));
    expect(text).toContain('plaza_backend_capacity{backend="ref-llm"} 8');
    expect(text).toMatch(/plaza_backend_breaker_open\{backend="ref-llm",state="closed"\} 0/);
  });
});

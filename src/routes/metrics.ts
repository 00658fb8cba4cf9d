// Operations: GET /metrics, the Prometheus scrape (operator token). Under `npm start` one
// isolate serves everything, so this is the whole server; in production each isolate has its
// own tally and Analytics Engine is the source of truth (docs/operations.md).
import { createRoute, z } from "@hono/zod-openapi";
import { operatorSecurity, requireOperator } from "../auth/operator";
import { createRouter, problems } from "../lib/openapi";
import { readGauges } from "../metrics/gauges";
import { renderPrometheus } from "../metrics/prometheus";
import { snapshot } from "../metrics/registry";

const metricsRoute = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["Operations"],
  security: operatorSecurity,
  middleware: [requireOperator()] as const,
  summary: "Operator: counters, latency histograms and gauges in Prometheus text format",
  responses: {
    200: {
      content: { "text/plain": { schema: z.string().openapi({ description: "Prometheus exposition format 0.0.4" }) } },
      description: "The metrics of this isolate plus gauges read now (queues, dead letters, tasks, backends)",
    },
    ...problems(401),
  },
});

export const metricsRoutes = createRouter().openapi(metricsRoute, async (c) => {
  const { gauges, failed } = await readGauges(c.env, c.var.db);
  if (failed.length > 0) c.var.log.warn("metrics sources unavailable", { failed });
  const { counters, histograms } = snapshot();
  c.header("Cache-Control", "no-store");
  return c.text(renderPrometheus(counters, histograms, gauges), 200, {
    "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
  });
});

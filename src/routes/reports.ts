// Reports by users: POST /v1/reports (one open report per reporter and target, rate-limited).
import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../auth/middleware";
import { bearerSecurity, createRouter, json, jsonBody, problems } from "../lib/openapi";
import { rateLimit } from "../middleware/rate-limit";
import { CreateReportBodySchema, ReportSchema } from "../schemas/moderation";
import { fileReport } from "../services/moderation/reports";

const limitReports = () =>
  rateLimit({ limiter: (env) => env.REPORT_LIMITER, keys: (c) => [`report:user:${c.get("auth").id}`] });

const createReportRoute = createRoute({
  method: "post",
  path: "/reports",
  tags: ["Moderation"],
  summary: "Report a post, comment, message (id: its seq, with roomId) or user to the moderators",
  security: bearerSecurity,
  middleware: [requireAuth(), limitReports()] as const,
  request: { body: jsonBody(CreateReportBodySchema) },
  responses: { 201: json(ReportSchema, "The report"), ...problems(400, 401, 404, 409, 413, 415, 422, 429) },
});

export const reportRoutes = createRouter().openapi(createReportRoute, async (c) => {
  const report = await fileReport(c.var.db, c.env, c.var.auth.id, c.req.valid("json"));
  return c.json(report, 201);
});

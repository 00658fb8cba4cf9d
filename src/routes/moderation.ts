// Moderation routes under /v1/admin: site roles (admins), reports, suspensions and the audit log
// (moderators and admins). The operator token never grants these (docs/decisions/0072).
import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../auth/middleware";
import { requireSiteRole } from "../auth/site-role";
import { bearerSecurity, createRouter, json, jsonBody, problems } from "../lib/openapi";
import { IdParamSchema, pageOf, PageQuerySchema } from "../schemas/common";
import {
  AuditEntrySchema,
  ReportQuerySchema,
  ReportSchema,
  ResolveReportBodySchema,
  RoleResultSchema,
  SetRoleBodySchema,
  SuspendBodySchema,
  SuspensionSchema,
} from "../schemas/moderation";
import { listAudit } from "../services/moderation/audit";
import { listReports, resolveReport } from "../services/moderation/reports";
import { setSiteRole } from "../services/moderation/roles";
import { liftSuspension, suspendUser } from "../services/moderation/suspensions";
import { feedContext } from "./feed-context";

const tags = ["Moderation"];
const moderator = { security: bearerSecurity, middleware: [requireAuth(), requireSiteRole("moderator")] };
const admin = { security: bearerSecurity, middleware: [requireAuth(), requireSiteRole("admin")] };

const setRoleRoute = createRoute({
  method: "put",
  path: "/users/{id}/role",
  tags,
  summary: "Admin: set a user's site role (user, moderator, admin)",
  ...admin,
  request: { params: IdParamSchema, body: jsonBody(SetRoleBodySchema) },
  responses: { 200: json(RoleResultSchema, "The new role"), ...problems(400, 401, 403, 404, 413, 415, 422) },
});

const listReportsRoute = createRoute({
  method: "get",
  path: "/reports",
  tags,
  summary: "Moderator: reports by status (default open), newest first, each with the content as reported",
  ...moderator,
  request: { query: ReportQuerySchema },
  responses: { 200: json(pageOf(ReportSchema), "A page of reports"), ...problems(400, 401, 403) },
});

const resolveRoute = createRoute({
  method: "post",
  path: "/reports/{id}/resolve",
  tags,
  summary: "Moderator: resolve an open report by dismissing it, removing the content or suspending its author",
  ...moderator,
  request: { params: IdParamSchema, body: jsonBody(ResolveReportBodySchema) },
  responses: {
    200: json(ReportSchema, "The resolved report"),
    ...problems(400, 401, 403, 404, 409, 413, 415, 422),
  },
});

const suspendRoute = createRoute({
  method: "post",
  path: "/users/{id}/suspend",
  tags,
  summary: "Moderator: suspend an account (sessions revoked, sockets closed, content hidden)",
  ...moderator,
  request: { params: IdParamSchema, body: jsonBody(SuspendBodySchema) },
  responses: { 200: json(SuspensionSchema, "The suspension"), ...problems(400, 401, 403, 404, 413, 415, 422) },
});

const liftRoute = createRoute({
  method: "delete",
  path: "/users/{id}/suspend",
  tags,
  summary: "Moderator: lift a suspension (idempotent)",
  ...moderator,
  request: { params: IdParamSchema },
  responses: { 200: json(SuspensionSchema, "Not suspended"), ...problems(400, 401, 403, 404) },
});

const auditRoute = createRoute({
  method: "get",
  path: "/audit",
  tags,
  summary: "Admin: the moderation audit log, newest first",
  ...admin,
  request: { query: PageQuerySchema },
  responses: { 200: json(pageOf(AuditEntrySchema), "A page of audit entries"), ...problems(400, 401, 403) },
});

export const moderationRoutes = createRouter()
  .openapi(setRoleRoute, async (c) => {
    const result = await setSiteRole(c.var.db, c.var.auth.id, c.req.valid("param").id, c.req.valid("json").role);
    c.var.log.info("site role set", { actorId: c.var.auth.id, userId: result.id, role: result.role });
    return c.json(result, 200);
  })
  .openapi(listReportsRoute, async (c) => {
    const { status, ...page } = c.req.valid("query");
    return c.json(await listReports(c.var.db, status, page), 200);
  })
  .openapi(resolveRoute, async (c) => {
    const ctx = { feed: feedContext(c), env: c.env, config: c.var.config };
    const report = await resolveReport(ctx, c.var.auth.id, c.req.valid("param").id, c.req.valid("json"));
    return c.json(report, 200);
  })
  .openapi(suspendRoute, async (c) => {
    const { until, reason } = c.req.valid("json");
    const input = { reason, ...(until ? { until: new Date(until) } : {}) };
    const view = await suspendUser(c.env, c.var.db, c.var.config, c.var.auth.id, c.req.valid("param").id, input);
    c.var.log.info("user suspended", { actorId: c.var.auth.id, userId: view.userId });
    return c.json(view, 200);
  })
  .openapi(liftRoute, async (c) =>
    c.json(await liftSuspension(c.env.CACHE, c.var.db, c.var.auth.id, c.req.valid("param").id, undefined), 200),
  )
  .openapi(auditRoute, async (c) => c.json(await listAudit(c.var.db, c.req.valid("query")), 200));

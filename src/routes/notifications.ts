// Notifications: the caller's grouped notifications and marking them read (decision 0077).
import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../auth/middleware";
import { bearerSecurity, createRouter, json, jsonBody, problems } from "../lib/openapi";
import { PageQuerySchema } from "../schemas/common";
import { MarkReadBodySchema, NotificationPageSchema, UnreadSchema } from "../schemas/notifications";
import { listNotifications, markNotificationsRead } from "../services/notifications";

const tags = ["Notifications"];
const auth = { security: bearerSecurity, middleware: [requireAuth()] };

const listRoute = createRoute({
  method: "get",
  path: "/notifications",
  tags,
  summary: 'My notifications, grouped ("alice and 12 others liked your post"), newest first, with the unread count',
  ...auth,
  request: { query: PageQuerySchema },
  responses: { 200: json(NotificationPageSchema, "A page of notifications"), ...problems(400, 401) },
});

const readRoute = createRoute({
  method: "post",
  path: "/notifications/read",
  tags,
  summary: "Mark my notifications up to a time read",
  ...auth,
  request: { body: jsonBody(MarkReadBodySchema) },
  responses: { 200: json(UnreadSchema, "The unread count left"), ...problems(400, 401, 415) },
});

export const notificationRoutes = createRouter()
  .openapi(listRoute, async (c) => c.json(await listNotifications(c.var.db, c.var.auth.id, c.req.valid("query")), 200))
  .openapi(readRoute, async (c) =>
    c.json(await markNotificationsRead(c.var.db, c.var.auth.id, new Date(c.req.valid("json").upTo)), 200),
  );

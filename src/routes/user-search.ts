// Finding people: `GET /v1/search/users` by username or display-name prefix (decision 0085).
import { createRoute } from "@hono/zod-openapi";
import { requireAuth } from "../auth/middleware";
import { bearerSecurity, createRouter, json, problems } from "../lib/openapi";
import { UserSearchQuerySchema, UserSearchResultSchema } from "../schemas/users";
import { searchUsers } from "../services/user-search";

const searchRoute = createRoute({
  method: "get",
  path: "/search/users",
  tags: ["Accounts"],
  summary:
    "People whose username or display name starts with q (case-insensitive), by username; suspended users and users who blocked you are left out",
  security: bearerSecurity,
  middleware: [requireAuth()] as const,
  request: { query: UserSearchQuerySchema },
  responses: { 200: json(UserSearchResultSchema, "A page of users"), ...problems(400, 401) },
});

export const userSearchRoutes = createRouter().openapi(searchRoute, async (c) => {
  const { q, ...page } = c.req.valid("query");
  return c.json(await searchUsers(c.var.db, c.var.auth.id, q, page), 200);
});

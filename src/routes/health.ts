// Operations: liveness.
import { createRoute, z } from "@hono/zod-openapi";
import { version } from "../../package.json";
import { createRouter, json } from "../lib/openapi";

const healthRoute = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["Operations"],
  summary: "Liveness check",
  responses: {
    200: json(z.object({ ok: z.literal(true), version: z.string() }).openapi("Health"), "Plaza is serving"),
  },
});

export const healthRoutes = createRouter().openapi(healthRoute, (c) => c.json({ ok: true as const, version }, 200));

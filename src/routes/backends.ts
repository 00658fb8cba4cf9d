// The GPU backend pool for operators (API.md "GPU backends"): list with health, in-flight and
// breaker state; register at runtime; drain; remove. Operator token only.
import { createRoute, z } from "@hono/zod-openapi";
import { operatorSecurity, requireOperator } from "../auth/operator";
import { errors } from "../errors";
import { createRouter, json, jsonBody, problems } from "../lib/openapi";
import { BackendBodySchema, BackendIdParamSchema, BackendPatchSchema, BackendViewSchema } from "../schemas/tasks";

const pool = (env: Env) => env.BACKENDS_POOL.get(env.BACKENDS_POOL.idFromName("pool"));
const tags = ["GPU backends"];

const listRoute = createRoute({
  method: "get",
  path: "/",
  tags,
  summary: "Every backend with health, in-flight count and breaker state",
  security: operatorSecurity,
  middleware: [requireOperator()] as const,
  responses: { 200: json(z.object({ items: z.array(BackendViewSchema) }), "The pool"), ...problems(401) },
});

const registerRoute = createRoute({
  method: "post",
  path: "/",
  tags,
  summary: "Register (or update) a runtime backend",
  security: operatorSecurity,
  middleware: [requireOperator()] as const,
  request: { body: jsonBody(BackendBodySchema) },
  responses: { 201: json(BackendViewSchema, "Registered"), ...problems(400, 401, 409, 413, 415) },
});

const patchRoute = createRoute({
  method: "patch",
  path: "/{id}",
  tags,
  summary: "Drain (enabled: false) or re-enable a backend; running jobs finish",
  security: operatorSecurity,
  middleware: [requireOperator()] as const,
  request: { params: BackendIdParamSchema, body: jsonBody(BackendPatchSchema) },
  responses: { 200: json(BackendViewSchema, "Updated"), ...problems(400, 401, 404, 413, 415) },
});

const removeRoute = createRoute({
  method: "delete",
  path: "/{id}",
  tags,
  summary: "Forget a runtime backend (config backends are removed from wrangler.toml)",
  security: operatorSecurity,
  middleware: [requireOperator()] as const,
  request: { params: BackendIdParamSchema },
  responses: { 204: { description: "Removed" }, ...problems(400, 401, 404, 409) },
});

export const backendRoutes = createRouter()
  .openapi(listRoute, async (c) => c.json({ items: await pool(c.env).list() }, 200))
  .openapi(registerRoute, async (c) => {
    const result = await pool(c.env).register(c.req.valid("json"));
    if (!result.ok) throw errors.conflict("config_backend", "That id belongs to a backend declared in BACKENDS.");
    return c.json(result.backend, 201);
  })
  .openapi(patchRoute, async (c) => {
    const view = await pool(c.env).setEnabled(c.req.valid("param").id, c.req.valid("json").enabled);
    if (!view) throw errors.notFound("backend");
    return c.json(view, 200);
  })
  .openapi(removeRoute, async (c) => {
    const outcome = await pool(c.env).remove(c.req.valid("param").id);
    if (outcome === "not_found") throw errors.notFound("backend");
    if (outcome === "config_backend")
      throw errors.conflict("config_backend", "Backends declared in BACKENDS are removed from wrangler.toml.");
    return c.body(null, 204);
  });

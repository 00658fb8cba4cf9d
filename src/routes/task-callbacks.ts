// Machine routes for plaza-job backends (API.md "GPU backends"): callbacks carrying progress,
// output and the result, and the job's source object. Both take the per-task callback token.
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { verifyTaskToken } from "../auth/tokens";
import type { AppEnv } from "../env";
import { errors } from "../errors";
import { createRouter, json, jsonBody, problems } from "../lib/openapi";
import { IdParamSchema } from "../schemas/common";
import { CallbackAnswerSchema } from "../schemas/tasks";
import { readableSourceKey, taskObject } from "../services/tasks";
import { JobCallbackSchema } from "../protocol/tasks";

const tags = ["GPU backends"];
const security = [{ taskToken: [] }];

/** The task a callback token was issued for; 401 unless it is valid and for this task. */
async function requireTaskToken(c: Context<AppEnv>, taskId: string): Promise<{ jobId: string }> {
  const match = c.req.header("Authorization")?.match(/^Bearer ([A-Za-z0-9._~+/-]+=*)$/i);
  const claims = match?.[1] ? await verifyTaskToken(match[1], c.var.config.jwt) : undefined;
  if (!claims || claims.taskId !== taskId)
    throw errors.unauthorized("A valid callback token for this task is required.");
  return claims;
}

const callbackRoute = createRoute({
  method: "post",
  path: "/tasks/{id}/callback",
  tags,
  summary: "A plaza-job backend reports progress, output, a log line, the result or an error",
  description:
    "Authorization: Bearer <callbackToken> from the job. Duplicates (seq already seen), stale attempts and callbacks after the end change nothing.",
  security,
  request: { params: IdParamSchema, body: jsonBody(JobCallbackSchema.openapi("JobCallback")) },
  responses: { 200: json(CallbackAnswerSchema, "Applied, or ignored and why"), ...problems(400, 401, 413, 415) },
});

const sourceRoute = createRoute({
  method: "get",
  path: "/tasks/{id}/source",
  tags,
  summary: "The stored object a job reads (e.g. the image to thumbnail)",
  security,
  request: { params: IdParamSchema },
  responses: { 200: { description: "The object's bytes" }, ...problems(400, 401, 404) },
});

export const taskCallbackRoutes = createRouter()
  .openapi(callbackRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { jobId } = await requireTaskToken(c, id);
    const body = c.req.valid("json");
    // A token names one attempt: it cannot speak for another attempt of the same task.
    if (body.jobId !== jobId) return c.json({ outcome: "late" as const }, 200);
    const outcome = await taskObject(c.env, id).callback(body);
    return c.json({ outcome }, 200);
  })
  .openapi(sourceRoute, async (c) => {
    const { id } = c.req.valid("param");
    await requireTaskToken(c, id);
    const row = await c.var.db.query.tasks.findFirst({ where: (t, { eq }) => eq(t.id, id) });
    const input = row ? (JSON.parse(row.input) as { source?: unknown }) : undefined;
    // Checked again at read time, with the task owner's rights (submit checked them first).
    const key =
      row && typeof input?.source === "string"
        ? await readableSourceKey(c.var.db, c.env.MEDIA, row.userId, input.source)
        : undefined;
    const object = key ? await c.env.MEDIA.get(key) : null;
    if (!object) throw errors.notFound("source");
    const headers = new Headers();
    object.writeHttpMetadata(headers);
    return c.body(object.body, 200, Object.fromEntries(headers));
  });

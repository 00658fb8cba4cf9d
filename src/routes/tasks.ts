// Tasks for their owners: the type registry, submit, list, read, cancel, the result, and the
// task socket (API.md "Tasks"). Someone else's task is a 404 on every route.
import { createRoute, z } from "@hono/zod-openapi";
import { requireAuth } from "../auth/middleware";
import { authorizeUpgrade, forwardUpgrade } from "../auth/upgrade";
import { errors } from "../errors";
import { bearerSecurity, createRouter, json, jsonBody, problems } from "../lib/openapi";
import { limitWrites } from "../middleware/write-limit";
import { IdempotencyHeaderSchema, IdParamSchema, pageOf } from "../schemas/common";
import {
  SubmitTaskBodySchema,
  TaskListQuerySchema,
  TaskSchema,
  TaskSocketQuerySchema,
  TaskTypeSchema,
  TaskUsageSchema,
} from "../schemas/tasks";
import { readUsage } from "../services/task-usage";
import { listTaskTypes } from "../services/task-types";
import { liveTask, listTasks, requireOwnedTask, submitTask, taskObject } from "../services/tasks";
import { SUBPROTOCOL } from "../protocol/identity";

const tags = ["Tasks"];

const typesRoute = createRoute({
  method: "get",
  path: "/task-types",
  tags,
  summary: "The task types Plaza runs, with the JSON Schema of each one's input",
  responses: { 200: json(z.array(TaskTypeSchema), "Task types") },
});

const submitRoute = createRoute({
  method: "post",
  path: "/tasks",
  tags,
  summary: "Submit a task (answers at once; progress on the task socket)",
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  request: { headers: IdempotencyHeaderSchema, body: jsonBody(SubmitTaskBodySchema) },
  responses: {
    202: json(TaskSchema, "Queued (or the first task for a repeated Idempotency-Key)"),
    ...problems(400, 401, 413, 415, 422, 429),
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/tasks",
  tags,
  summary: "My tasks, newest first",
  security: bearerSecurity,
  middleware: [requireAuth()] as const,
  request: { query: TaskListQuerySchema },
  responses: { 200: json(pageOf(TaskSchema), "A page of tasks"), ...problems(400, 401) },
});

const getRoute = createRoute({
  method: "get",
  path: "/tasks/{id}",
  tags,
  summary: "One of my tasks, live",
  security: bearerSecurity,
  middleware: [requireAuth()] as const,
  request: { params: IdParamSchema },
  responses: { 200: json(TaskSchema, "The task"), ...problems(400, 401, 404) },
});

const cancelRoute = createRoute({
  method: "post",
  path: "/tasks/{id}/cancel",
  tags,
  summary: "Cancel a queued or running task (reaches the backend); canceling twice is fine",
  security: bearerSecurity,
  middleware: [requireAuth(), limitWrites()] as const,
  request: { params: IdParamSchema },
  responses: { 200: json(TaskSchema, "Canceled"), ...problems(400, 401, 404, 409, 429) },
});

const resultRoute = createRoute({
  method: "get",
  path: "/tasks/{id}/result",
  tags,
  summary: "The stored result: the R2 object (an image, or large JSON), or the inline JSON result",
  security: bearerSecurity,
  middleware: [requireAuth()] as const,
  request: { params: IdParamSchema },
  responses: { 200: { description: "The result bytes or JSON" }, ...problems(400, 401, 404) },
});

const socketRoute = createRoute({
  method: "get",
  path: "/tasks/{id}/ws",
  tags,
  summary: "WebSocket: a snapshot, then every event in seq order; ?since=seq resumes",
  description: `Subprotocols: \`${SUBPROTOCOL}, bearer.<accessToken>\`. Frames: {"type":"snapshot","task","seq"}, then {"type":"event","seq","event"}. Closes with 1000 once the task has finished.`,
  request: { params: IdParamSchema, query: TaskSocketQuerySchema },
  responses: {
    101: { description: "Switching protocols" },
    ...problems(400, 401, 403, 404, 429),
    426: { description: "Not a WebSocket upgrade (upgrade_required)" },
  },
});

const usageRoute = createRoute({
  method: "get",
  path: "/me/usage",
  tags,
  summary: "My task counts, today's tokens against my budget, and the limits that apply to me",
  security: bearerSecurity,
  middleware: [requireAuth()] as const,
  responses: { 200: json(TaskUsageSchema, "My usage"), ...problems(401) },
});

export const taskRoutes = createRouter()
  .openapi(typesRoute, (c) => c.json(listTaskTypes(), 200))
  .openapi(submitRoute, async (c) => {
    const key = c.req.valid("header")["idempotency-key"];
    const { task } = await submitTask(c.var.db, c.env, c.var.config, c.var.auth.id, c.req.valid("json"), key);
    return c.json(task, 202);
  })
  .openapi(usageRoute, async (c) => c.json(await readUsage(c.var.db, c.var.config.tasks, c.var.auth.id), 200))
  .openapi(listRoute, async (c) => c.json(await listTasks(c.var.db, c.var.auth.id, c.req.valid("query")), 200))
  .openapi(getRoute, async (c) => {
    const row = await requireOwnedTask(c.var.db, c.var.auth.id, c.req.valid("param").id);
    return c.json(await liveTask(c.env, row), 200);
  })
  .openapi(cancelRoute, async (c) => {
    const row = await requireOwnedTask(c.var.db, c.var.auth.id, c.req.valid("param").id);
    const outcome = await taskObject(c.env, row.id).cancel();
    if (!outcome) throw errors.notFound("task");
    if (!outcome.changed && outcome.task.status !== "canceled") {
      throw errors.conflict("task_finished", `The task has already ${outcome.task.status}.`);
    }
    return c.json(outcome.task, 200);
  })
  .openapi(resultRoute, async (c) => {
    const row = await requireOwnedTask(c.var.db, c.var.auth.id, c.req.valid("param").id);
    const task = await liveTask(c.env, row);
    if (task.status !== "succeeded" || task.result === undefined) throw errors.notFound("result");
    const stored = task.result as { url?: unknown };
    if (stored.url !== `/v1/tasks/${row.id}/result`) return c.json(task.result as Record<string, unknown>, 200);
    const listed = await c.env.MEDIA.list({ prefix: `task-results/${row.id}/`, limit: 1 });
    const key = listed.objects[0]?.key;
    const object = key ? await c.env.MEDIA.get(key) : null;
    if (!object) throw errors.notFound("result");
    const headers = new Headers({ "Cache-Control": "private, max-age=3600" });
    object.writeHttpMetadata(headers);
    return c.body(object.body, 200, Object.fromEntries(headers));
  })
  .openapi(socketRoute, async (c) => {
    const user = await authorizeUpgrade(c);
    const row = await requireOwnedTask(c.var.db, user.id, c.req.valid("param").id);
    c.req.valid("query");
    return forwardUpgrade(taskObject(c.env, row.id), c, user);
  });

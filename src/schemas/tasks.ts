// Task and backend schemas (API.md "Tasks" and "GPU backends").
import { z } from "@hono/zod-openapi";
import { BACKEND_PROTOCOLS, BackendSpecSchema, TASK_PRIORITIES, TASK_STATUSES } from "../protocol/tasks";
import { IdSchema, TimestampSchema } from "./common";

export const TaskSchema = z
  .object({
    id: IdSchema,
    type: z.string().openapi({ example: "llm.chat" }),
    status: z.enum(TASK_STATUSES),
    priority: z.enum(TASK_PRIORITIES),
    progress: z.number().min(0).max(1),
    result: z
      .unknown()
      .optional()
      .openapi({ description: "Present once succeeded; large results point at /v1/tasks/{id}/result" }),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    attempts: z.number().int(),
    createdAt: TimestampSchema,
    startedAt: TimestampSchema.optional(),
    finishedAt: TimestampSchema.optional(),
    queue: z
      .object({
        position: z.number().int().min(1).openapi({ description: "1-based place in line (ahead + 1)" }),
        ahead: z.number().int().min(0).openapi({ description: "Tasks dispatched before this one" }),
        etaMs: z.number().int().min(0).optional().openapi({
          description: "Expected wait, from the capability's measured service rate; absent until measured",
        }),
      })
      .optional()
      .openapi({ description: "While queued: the place among tasks waiting for the same capability" }),
    backend: z
      .object({ id: z.string() })
      .optional()
      .openapi({ description: "Once assigned: the backend of the latest attempt" }),
    input: z
      .unknown()
      .optional()
      .openapi({ description: "The validated input; on GET /v1/tasks/{id} and the socket snapshot, not in lists" }),
  })
  .openapi("Task");

export const SubmitTaskBodySchema = z
  .strictObject({
    type: z.string().min(1).max(64).openapi({ example: "llm.chat" }),
    input: z.unknown().openapi({ description: "Validated against the type's inputSchema (GET /v1/task-types)" }),
    priority: z.enum(TASK_PRIORITIES).default("normal"),
    after: z
      .array(z.uuid())
      .min(1)
      .max(16)
      .refine((ids) => new Set(ids).size === ids.length, "no task twice")
      .optional()
      .openapi({
        description:
          "My tasks that must succeed first: this one waits (status waiting) and receives their results as input.$after; if one fails or is canceled it fails with dependency_failed",
      }),
    sessionKey: z.string().min(1).max(200).optional().openapi({
      description:
        "E.g. a conversation id: tasks with the same key go to the backend that served the last one while it is healthy and below the load threshold",
      example: "conversation-42",
    }),
  })
  .openapi("SubmitTaskBody");

export const TaskListQuerySchema = z.object({
  status: z.enum(TASK_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(512).optional(),
});

export const TaskSocketQuerySchema = z.object({
  since: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});

export const TaskTypeSchema = z
  .object({
    type: z.string(),
    description: z.string(),
    inputSchema: z.record(z.string(), z.unknown()).openapi({ description: "JSON Schema of `input`" }),
    capability: z.string(),
    protocol: z.enum(BACKEND_PROTOCOLS),
    timeoutSeconds: z.number().int(),
    retry: z.object({ maxAttempts: z.number().int(), baseDelaySeconds: z.number(), maxDelaySeconds: z.number() }),
  })
  .openapi("TaskType");

export const CallbackAnswerSchema = z
  .object({ outcome: z.enum(["applied", "duplicate", "late", "finished"]) })
  .openapi("TaskCallbackAnswer");

export const BackendBodySchema = BackendSpecSchema.openapi("BackendSpec");

export const BackendPatchSchema = z.strictObject({ enabled: z.boolean() }).openapi("BackendPatch");

export const BackendIdParamSchema = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .openapi({ param: { name: "id", in: "path" } }),
});

export const BackendViewSchema = BackendSpecSchema.extend({
  source: z.enum(["config", "runtime"]),
  enabled: z.boolean(),
  inFlight: z.number().int(),
  healthy: z.boolean().nullable(),
  lastHealthAt: z.string().nullable(),
  breaker: z.object({
    state: z.enum(["closed", "open", "half-open"]),
    consecutiveFailures: z.number().int(),
    openedAt: z.string().nullable(),
  }),
  served: z.object({ started: z.number().int(), succeeded: z.number().int(), failed: z.number().int() }),
  affinity: z
    .object({ hits: z.number().int(), misses: z.number().int() })
    .openapi({ description: "Tasks with a sessionKey sent back here (hits) or moved away from here (misses)" }),
}).openapi("Backend");

export const TaskUsageSchema = z
  .object({
    day: z.string().openapi({ example: "2026-12-05", description: "The UTC day the counts are for" }),
    resetAt: TimestampSchema.openapi({ description: "When the day's counts and budget reset" }),
    tasks: z.object({
      queued: z.number().int(),
      running: z.number().int(),
      submittedToday: z.number().int(),
    }),
    tokens: z.object({
      prompt: z.number().int(),
      completion: z.number().int(),
      total: z.number().int(),
      budget: z.number().int().nullable().openapi({ description: "TASK_USER_DAILY_TOKENS; null when there is none" }),
      remaining: z.number().int().nullable(),
    }),
    limits: z.object({
      concurrency: z.number().int().openapi({ description: "Tasks running at once (TASK_USER_CONCURRENCY)" }),
      maxActive: z.number().int().openapi({ description: "Queued + running tasks (TASK_MAX_ACTIVE_PER_USER)" }),
      submissionsPerMinute: z.number().int().openapi({ description: "TASK_USER_RATE" }),
      submissionsAvailable: z.number().int().openapi({ description: "Submissions the bucket holds now" }),
    }),
  })
  .openapi("TaskUsage");

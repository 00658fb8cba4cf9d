// Operator maintenance routes (BACKEND_TOKEN): replaying recorded dead letters.
import { createRoute, z } from "@hono/zod-openapi";
import { operatorSecurity, requireOperator } from "../auth/operator";
import { createRouter, json, jsonBody, problems } from "../lib/openapi";
import { REPLAYABLE_DLQS, replayDeadLetters } from "../services/dead-letters";

const ReplayBodySchema = z
  .strictObject({
    queue: z.enum(REPLAYABLE_DLQS).openapi({ description: "The dead-letter queue whose recorded rows to replay" }),
    limit: z.number().int().min(1).max(90).default(90).openapi({ description: "Most rows this call replays" }),
  })
  .openapi("DeadLetterReplayBody");

const ReplaySchema = z
  .object({
    queue: z.enum(REPLAYABLE_DLQS),
    replayed: z.number().int(),
    remaining: z.number().int(),
    to: z.record(z.string(), z.number().int()),
  })
  .openapi("DeadLetterReplay");

const replayRoute = createRoute({
  method: "post",
  path: "/dead-letters/replay",
  tags: ["Operations"],
  security: operatorSecurity,
  middleware: [requireOperator()] as const,
  summary: "Operator: send recorded dead letters back to their queue (oldest first) and forget them",
  request: { body: jsonBody(ReplayBodySchema) },
  responses: { 200: json(ReplaySchema, "What was replayed and what is left"), ...problems(400, 401, 413, 415) },
});

const QueueParamSchema = z.object({
  queue: z.enum(REPLAYABLE_DLQS).openapi({ param: { name: "queue", in: "path" }, example: "plaza-events-dlq" }),
});

const LimitBodySchema = z
  .strictObject({
    limit: z.number().int().min(1).max(90).default(90).openapi({ description: "Most rows this call replays" }),
  })
  .openapi("DlqReplayBody");

// The name issue 20 gives the replay; the same code as /dead-letters/replay. Replaying is safe to
// repeat: each row is sent once and deleted, and every consumer applies an event id once.
const dlqReplayRoute = createRoute({
  method: "post",
  path: "/dlq/{queue}/replay",
  tags: ["Operations"],
  security: operatorSecurity,
  middleware: [requireOperator()] as const,
  summary: "Operator: replay a dead-letter queue's recorded letters (oldest first); replayed events apply once",
  request: {
    params: QueueParamSchema,
    body: { content: { "application/json": { schema: LimitBodySchema } }, required: false },
  },
  responses: { 200: json(ReplaySchema, "What was replayed and what is left"), ...problems(400, 401, 413, 415) },
});

export const adminRoutes = createRouter()
  .openapi(replayRoute, async (c) => {
    const { queue, limit } = c.req.valid("json");
    const outcome = await replayDeadLetters(c.var.db, c.env, queue, limit);
    c.var.log.warn("dead letters replayed", { ...outcome });
    return c.json(outcome, 200);
  })
  .openapi(dlqReplayRoute, async (c) => {
    const { queue } = c.req.valid("param");
    // The body is optional; without one (or without a limit) a call replays up to 90 rows.
    const limit = (c.req.valid("json") as { limit?: number } | undefined)?.limit ?? 90;
    const outcome = await replayDeadLetters(c.var.db, c.env, queue, limit);
    c.var.log.warn("dead letters replayed", { ...outcome });
    return c.json(outcome, 200);
  });

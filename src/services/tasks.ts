// Tasks: submit (validated, idempotent, limited per user: active tasks, submission rate, token budget), read and list (owner only), cancel.
// The TaskRun object owns a task's live state; the D1 row serves lists and ownership checks.
import { and, desc, eq, inArray, lt, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { tasks } from "../db/schema";
import { errors, zodIssues } from "../errors";
import { encodeCursor, readCursor } from "../lib/cursor";
import { newId } from "../lib/ids";
import { findTaskType, mediaKeyFromUrl } from "../protocol/task-types";
import { isMediaKey } from "./media";
import { takeSubmission } from "./task-usage";
import type { JsonValue } from "../protocol/json";
import { type Task, type TaskPriority, type TaskStatus, toPublicTask } from "../protocol/tasks";

export type TaskRow = typeof tasks.$inferSelect;

/** The public task from its D1 row (lists; a single task reads its object for live progress). */
export function rowToTask(row: TaskRow): Task {
  return toPublicTask({
    ...row,
    result: row.result !== null ? (JSON.parse(row.result) as JsonValue) : undefined,
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? "" } : undefined,
    createdAt: row.createdAt.getTime(),
    startedAt: row.startedAt?.getTime(),
    finishedAt: row.finishedAt?.getTime(),
  });
}

/** The task's Durable Object. */
export function taskObject(env: Env, id: string) {
  return env.TASK.get(env.TASK.idFromName(id));
}

/** The caller's task row, or 404 (also when it belongs to someone else). */
export async function requireOwnedTask(db: Db, userId: string, id: string): Promise<TaskRow> {
  const row = await db.query.tasks.findFirst({ where: and(eq(tasks.id, id), eq(tasks.userId, userId)) });
  if (!row) throw errors.notFound("task");
  return row;
}

/** The live task from its object, falling back to the row if the object cannot answer. */
export async function liveTask(env: Env, row: TaskRow): Promise<Task> {
  try {
    return (await taskObject(env, row.id).snapshot()) ?? rowToTask(row);
  } catch {
    return rowToTask(row);
  }
}

/** `task-results/<taskId>/<file>`: where a task's stored results live (durable/task/results.ts). */
const TASK_RESULT_KEY_RE = /^task-results\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/[^/]+$/;

/**
 * The R2 key of a task source `userId` may read, or undefined. Readable are public uploads
 * (POST /v1/media keys, served to anyone at /media/<key>) and the results of the user's own
 * tasks. A missing key, another user's result and any other key are all undefined, so the
 * caller answers them alike and learns nothing about what exists.
 */
export async function readableSourceKey(
  db: Db,
  bucket: R2Bucket,
  userId: string,
  source: string,
): Promise<string | undefined> {
  const key = mediaKeyFromUrl(source);
  if (!key) return undefined;
  if (isMediaKey(key)) return (await bucket.head(key)) ? key : undefined;
  const taskId = TASK_RESULT_KEY_RE.exec(key)?.[1];
  if (!taskId) return undefined;
  const [own, head] = await Promise.all([
    db.query.tasks.findFirst({ where: and(eq(tasks.id, taskId), eq(tasks.userId, userId)), columns: { id: true } }),
    bucket.head(key),
  ]);
  return own && head ? key : undefined;
}

export interface SubmitInput {
  type: string;
  input: unknown;
  priority: TaskPriority;
  sessionKey?: string | undefined;
  after?: string[] | undefined;
}

async function byIdempotencyKey(db: Db, userId: string, key: string): Promise<TaskRow | undefined> {
  return db.query.tasks.findFirst({ where: and(eq(tasks.userId, userId), eq(tasks.idempotencyKey, key)) });
}

/**
 * Submits a task: validates its input against its type, returns the first task for a
 * repeated Idempotency-Key, refuses past the per-user limit of queued+running tasks (one
 * conditional INSERT, so concurrent submits cannot overshoot), creates the task's object
 * and sends it to the TASKS queue.
 */
export async function submitTask(
  db: Db,
  env: Env,
  config: Config,
  userId: string,
  body: SubmitInput,
  idempotencyKey: string | undefined,
): Promise<{ task: Task; created: boolean }> {
  const type = findTaskType(body.type);
  if (!type) throw errors.unprocessable("unknown_task_type", `No task type "${body.type}"; see GET /v1/task-types.`);
  const parsed = type.input.safeParse(body.input);
  if (!parsed.success) {
    throw errors.validation(
      zodIssues(parsed.error).map((i) => ({ ...i, path: i.path === "(root)" ? "input" : `input.${i.path}` })),
    );
  }
  if (idempotencyKey) {
    const first = await byIdempotencyKey(db, userId, idempotencyKey);
    if (first) return { task: await liveTask(env, first), created: false };
  }
  if (type.type === "image.thumbnail") {
    const key = await readableSourceKey(db, env.MEDIA, userId, (parsed.data as { source: string }).source);
    if (!key) throw errors.unprocessable("source_not_found", "No image you may read is stored at this source.");
  }

  if (body.after) {
    const own = await db
      .select({ id: tasks.id })
      .from(tasks)
      .where(and(eq(tasks.userId, userId), inArray(tasks.id, body.after)));
    if (own.length !== body.after.length) {
      throw errors.unprocessable("dependency_not_found", "Every task in `after` must be one of your tasks.");
    }
  }
  await takeSubmission(db, config.tasks, userId, type.protocol === "openai");

  const id = newId();
  const now = Date.now();
  const limit = config.tasks.maxActivePerUser;
  const inserted = await db.run(sql`
    INSERT INTO tasks (id, user_id, type, status, priority, input, progress, attempts, idempotency_key, created_at)
    SELECT ${id}, ${userId}, ${type.type}, ${body.after ? "waiting" : "queued"}, ${body.priority}, ${JSON.stringify(parsed.data)}, 0, 0, ${idempotencyKey ?? null}, ${now}
    WHERE (SELECT COUNT(*) FROM tasks WHERE user_id = ${userId} AND status IN ('waiting', 'queued', 'running')) < ${limit}
    ON CONFLICT DO NOTHING`);
  if (inserted.meta.changes === 0) {
    const first = idempotencyKey ? await byIdempotencyKey(db, userId, idempotencyKey) : undefined;
    if (first) return { task: await liveTask(env, first), created: false };
    throw errors.tooManyTasks(limit, config.tasks.noBackendDelaySeconds * 5);
  }

  let initialized = false;
  try {
    const task = await taskObject(env, id).init({
      id,
      userId,
      type: type.type,
      priority: body.priority,
      input: parsed.data,
      createdAt: now,
      ...(body.sessionKey !== undefined ? { sessionKey: body.sessionKey } : {}),
      ...(body.after ? { after: body.after } : {}),
    });
    initialized = true;
    if (body.after) return { task: (await taskObject(env, id).watchDependencies()) ?? task, created: true };
    await env.TASKS.send({ taskId: id }, { contentType: "json" });
    return { task, created: true };
  } catch (err) {
    // Nothing half-written: a task that could not be queued is failed, visibly, and the error surfaces.
    // The object fails it too (it writes the same D1 row), or GET /v1/tasks/:id would say queued forever.
    if (initialized) {
      await taskObject(env, id)
        .abandon("submit_failed", "The task could not be queued.")
        .catch(() => undefined);
    }
    await db
      .update(tasks)
      .set({
        status: "failed",
        errorCode: "submit_failed",
        errorMessage: "The task could not be queued.",
        finishedAt: new Date(),
      })
      .where(eq(tasks.id, id));
    throw err;
  }
}

/** Position of the last task of a page: (created at in ms, id). */
const TaskCursorSchema = z.object({ c: z.number(), i: z.string() });

/** The caller's tasks, newest first, optionally of one status. */
export async function listTasks(
  db: Db,
  userId: string,
  query: { status?: TaskStatus; limit: number; cursor?: string },
): Promise<{ items: Task[]; nextCursor: string | null }> {
  const after = query.cursor ? readCursor(query.cursor, TaskCursorSchema) : undefined;
  const rows = await db
    .select()
    .from(tasks)
    .where(
      and(
        eq(tasks.userId, userId),
        query.status ? eq(tasks.status, query.status) : undefined,
        after
          ? or(
              lt(tasks.createdAt, new Date(after.c)),
              and(eq(tasks.createdAt, new Date(after.c)), lt(tasks.id, after.i)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(tasks.createdAt), desc(tasks.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > query.limit && last
      ? encodeCursor({ c: last.createdAt.getTime(), i: last.id } satisfies z.input<typeof TaskCursorSchema>)
      : null;
  return { items: page.map(rowToTask), nextCursor };
}

/** Ids of the user's queued and running tasks (their objects may hold the user's sockets). */
export async function activeTaskIds(db: Db, userId: string): Promise<string[]> {
  const rows = await db
    .select({ id: tasks.id })
    .from(tasks)
    .where(and(eq(tasks.userId, userId), inArray(tasks.status, ["waiting", "queued", "running"])))
    .limit(1000);
  return rows.map((r) => r.id);
}

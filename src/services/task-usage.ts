// Per-user task limits and usage (decision 0078): the submission token bucket
// (TASK_USER_RATE a minute), the daily token budget on OpenAI-protocol backends
// (TASK_USER_DAILY_TOKENS, counted from the usage the backend reports), and GET /v1/me/usage.
// Each check is one conditional D1 statement, so concurrent submits cannot overshoot.
import { and, eq, sql } from "drizzle-orm";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { tasks, taskUsage } from "../db/schema";
import { errors } from "../errors";
import { utcDay } from "../lib/utc-day";

/**
 * Takes one submission from the user's bucket, refusing with 429 `rate_limited` when it is
 * empty and, for a task that spends tokens (`spendsTokens`), with 429 `budget_exhausted` and
 * `resetAt` when today's budget is used up. Counts the submission in today's tasks.
 */
export async function takeSubmission(
  db: Db,
  config: Config["tasks"],
  userId: string,
  spendsTokens: boolean,
  now = Date.now(),
): Promise<void> {
  const { day, resetAt } = utcDay(now);
  const cap = config.userRatePerMinute;
  const perMs = cap / 60_000;
  const budget = spendsTokens ? config.userDailyTokens : 0;
  const refilled = sql`MIN(${cap}, ${taskUsage.bucket} + (${now} - ${taskUsage.bucketAt}) * ${perMs})`;
  const taken = await db
    .insert(taskUsage)
    .values({ userId, bucket: cap - 1, bucketAt: now, day, dayTasks: 1 })
    .onConflictDoUpdate({
      target: taskUsage.userId,
      set: {
        bucket: sql`${refilled} - 1`,
        bucketAt: now,
        dayTasks: sql`CASE WHEN ${taskUsage.day} = ${day} THEN ${taskUsage.dayTasks} + 1 ELSE 1 END`,
        dayPromptTokens: sql`CASE WHEN ${taskUsage.day} = ${day} THEN ${taskUsage.dayPromptTokens} ELSE 0 END`,
        dayCompletionTokens: sql`CASE WHEN ${taskUsage.day} = ${day} THEN ${taskUsage.dayCompletionTokens} ELSE 0 END`,
        day,
      },
      setWhere: sql`${refilled} >= 1 AND (${budget} = 0 OR ${taskUsage.day} <> ${day} OR ${taskUsage.dayPromptTokens} + ${taskUsage.dayCompletionTokens} < ${budget})`,
    })
    .returning({ bucket: taskUsage.bucket });
  if (taken.length > 0) return;
  const row = await db.query.taskUsage.findFirst({ where: eq(taskUsage.userId, userId) });
  if (row && budget > 0 && row.day === day && row.dayPromptTokens + row.dayCompletionTokens >= budget) {
    throw errors.budgetExhausted(budget, new Date(resetAt).toISOString(), Math.ceil((resetAt - now) / 1000));
  }
  const missing = 1 - Math.min(cap, (row?.bucket ?? 0) + (now - (row?.bucketAt ?? now)) * perMs);
  throw errors.rateLimited(Math.max(1, Math.ceil(missing / perMs / 1000)));
}

/** GET /v1/me/usage. */
export interface TaskUsage {
  day: string;
  resetAt: string;
  tasks: { queued: number; running: number; submittedToday: number };
  tokens: { prompt: number; completion: number; total: number; budget: number | null; remaining: number | null };
  limits: { concurrency: number; maxActive: number; submissionsPerMinute: number; submissionsAvailable: number };
}

/** The user's counts, today's tokens against the budget, and the limits that apply. */
export async function readUsage(db: Db, config: Config["tasks"], userId: string, now = Date.now()): Promise<TaskUsage> {
  const { day, resetAt } = utcDay(now);
  const [row, counts] = await Promise.all([
    db.query.taskUsage.findFirst({ where: eq(taskUsage.userId, userId) }),
    db
      .select({ status: tasks.status, n: sql<number>`COUNT(*)` })
      .from(tasks)
      .where(and(eq(tasks.userId, userId), sql`${tasks.status} IN ('queued', 'running')`))
      .groupBy(tasks.status),
  ]);
  const today = row?.day === day;
  const prompt = today ? row.dayPromptTokens : 0;
  const completion = today ? row.dayCompletionTokens : 0;
  const budget = config.userDailyTokens > 0 ? config.userDailyTokens : null;
  const cap = config.userRatePerMinute;
  const available = row ? Math.min(cap, row.bucket + ((now - row.bucketAt) * cap) / 60_000) : cap;
  return {
    day,
    resetAt: new Date(resetAt).toISOString(),
    tasks: {
      queued: counts.find((c) => c.status === "queued")?.n ?? 0,
      running: counts.find((c) => c.status === "running")?.n ?? 0,
      submittedToday: today ? row.dayTasks : 0,
    },
    tokens: {
      prompt,
      completion,
      total: prompt + completion,
      budget,
      remaining: budget === null ? null : Math.max(0, budget - prompt - completion),
    },
    limits: {
      concurrency: config.userConcurrency,
      maxActive: config.maxActivePerUser,
      submissionsPerMinute: cap,
      submissionsAvailable: Math.floor(Math.max(0, available)),
    },
  };
}

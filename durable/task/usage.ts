// Counting the tokens an OpenAI-protocol backend reported for a task toward its owner's daily
// budget (TASK_USER_DAILY_TOKENS, src/services/task-usage.ts reads and enforces it).
import { utcDay } from "../../src/lib/utc-day";

/** Adds tokens an OpenAI-protocol backend reported for one of the user's tasks to today's count. */
export async function recordTokens(
  db: D1Database,
  userId: string,
  usage: { promptTokens: number; completionTokens: number },
  now = Date.now(),
): Promise<void> {
  const { day } = utcDay(now);
  await db
    .prepare(
      `INSERT INTO task_usage (user_id, bucket, bucket_at, day, day_tasks, day_prompt_tokens, day_completion_tokens)
       VALUES (?1, 0, ?2, ?3, 0, ?4, ?5)
       ON CONFLICT (user_id) DO UPDATE SET
         day_tasks = CASE WHEN day = ?3 THEN day_tasks ELSE 0 END,
         day_prompt_tokens = CASE WHEN day = ?3 THEN day_prompt_tokens ELSE 0 END + ?4,
         day_completion_tokens = CASE WHEN day = ?3 THEN day_completion_tokens ELSE 0 END + ?5,
         day = ?3`,
    )
    .bind(userId, now, day, usage.promptTokens, usage.completionTokens)
    .run();
}

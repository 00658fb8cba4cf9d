// The TASKS consumer (the seed's 任务队列 -> GPU主机): each message names a task; its TaskRun
// object claims it once and starts it on a backend. The dead-letter side marks tasks failed.
import type { Logger } from "../lib/log";
import { describeError } from "../lib/log";
import { taskObject } from "../services/tasks";
import { DeadLetterEnvelopeSchema } from "../protocol/dead-letter";
import { TaskMessageSchema } from "../protocol/tasks";
import { deadLetter } from "./dead-letter";

/** Backoff for a consumer-side failure (the task object or the pool unreachable). */
const consumerRetryDelay = (attempts: number) => Math.min(60, 2 ** attempts);

/**
 * Dispatches every message of a batch concurrently. Outcomes:
 * - started / running (a redelivery) / finished: ack;
 * - wait (no free backend): the pool has put the task on its waitlist and will wake it when a
 *   slot frees; as a fallback the message is re-sent with a long delay and acked. Not
 *   `retry()`: Queues counts every retry toward max_retries, and waiting for capacity is not a
 *   failure of the task. The task's real failure budget lives in its object (decision 0032);
 * - missing task or malformed body: poison, straight to the dead-letter queue;
 * - a thrown error: `retry()` with backoff; after max_retries the DLQ consumer fails the task.
 */
export async function consumeTasks(batch: MessageBatch<unknown>, env: Env, log: Logger): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = TaskMessageSchema.safeParse(message.body);
      if (!parsed.success) return deadLetter(env.TASKS_DLQ, message, "malformed task message", log);
      const { taskId } = parsed.data;
      try {
        const dispatched = await taskObject(env, taskId).dispatch();
        if (dispatched.outcome === "missing") return deadLetter(env.TASKS_DLQ, message, "no such task", log);
        if (dispatched.outcome === "wait") {
          // Jitter spreads the fallback re-checks of a burst of waiting tasks.
          const delaySeconds = Math.round(dispatched.delaySeconds * (1 + Math.random()));
          await env.TASKS.send({ taskId }, { delaySeconds, contentType: "json" });
        }
        message.ack();
      } catch (err) {
        log.warn("task dispatch failed; retrying", { taskId, attempts: message.attempts, ...describeError(err) });
        message.retry({ delaySeconds: consumerRetryDelay(message.attempts) });
      }
    }),
  );
}

function deadTaskId(body: unknown): string | undefined {
  const wrapped = DeadLetterEnvelopeSchema.safeParse(body);
  const parsed = TaskMessageSchema.safeParse(wrapped.success ? wrapped.data.body : body);
  return parsed.success ? parsed.data.taskId : undefined;
}

/**
 * Before the dead letters are recorded: every task named by one is failed (if it has not
 * finished) and its owner notified. A task that does not exist is only recorded.
 */
export async function failDeadTasks(batch: MessageBatch<unknown>, env: Env, log: Logger): Promise<void> {
  const ids = new Set(batch.messages.map((m) => deadTaskId(m.body)).filter((id): id is string => id !== undefined));
  await Promise.all(
    [...ids].map(async (taskId) => {
      try {
        await taskObject(env, taskId).abandon(
          "dispatch_failed",
          "The task could not be dispatched after repeated attempts.",
        );
      } catch (err) {
        log.error("could not fail a dead-lettered task", { taskId, ...describeError(err) });
      }
    }),
  );
}

// Queue entry point: routes each batch to its consumer by queue name.
import { loadConfig } from "../config";
import { createDb } from "../db/client";
import { createLogger } from "../lib/log";
import { recordBatch } from "../metrics/queues";
import { recordDeadLetters } from "./dead-letter";
import { consumeEvents } from "./events";
import { consumeTasks, failDeadTasks } from "./tasks";
import { consumeFanout } from "./im-fanout";

/** Queue names from wrangler.toml. */
export const QueueName = {
  events: "plaza-events",
  eventsDlq: "plaza-events-dlq",
  tasks: "plaza-tasks",
  tasksDlq: "plaza-tasks-dlq",
  fanout: "plaza-fanout",
} as const;

/** The Worker's `queue` handler. */
export async function consumeQueue(batch: MessageBatch<unknown>, env: Env, _ctx: ExecutionContext): Promise<void> {
  const log = createLogger(loadConfig(env).logLevel, { queue: batch.queue, batchSize: batch.messages.length });
  const db = createDb(env.DB);
  recordBatch(batch);
  switch (batch.queue) {
    case QueueName.events:
      return consumeEvents(batch, { env, db, log });
    case QueueName.fanout:
      return consumeFanout(batch, env, log);
    case QueueName.eventsDlq:
      return recordDeadLetters(batch, db, log);
    case QueueName.tasksDlq:
      await failDeadTasks(batch, env, log);
      return recordDeadLetters(batch, db, log);
    case QueueName.tasks:
      return consumeTasks(batch, env, log);
    default:
      log.error("batch from an unknown queue; retrying later", {});
      batch.retryAll();
  }
}

// Dead letters: poison messages are sent to a DLQ at once (never a retry loop), and the
// DLQ consumers record every dead letter in D1 for operators to inspect.
import type { Db } from "../db/client";
import { deadLetters } from "../db/schema";
import { newId } from "../lib/ids";
import type { Logger } from "../lib/log";
import { DeadLetterEnvelopeSchema, type DeadLetterEnvelope } from "../protocol/dead-letter";

/** Sends `message` to `dlq` with the reason it cannot be processed, then acks it. */
export async function deadLetter(dlq: Queue, message: Message<unknown>, reason: string, log: Logger): Promise<void> {
  const envelope: DeadLetterEnvelope = { deadLetter: true, reason, attempts: message.attempts, body: message.body };
  await dlq.send(envelope, { contentType: "json" });
  message.ack();
  log.warn("dead-lettered message", { messageId: message.id, reason });
}

/** D1 allows 100 bound parameters per statement; a dead_letters row binds 5. */
const ROWS_PER_INSERT = 20;

/** Records a batch from a dead-letter queue in D1 and acks it. */
export async function recordDeadLetters(batch: MessageBatch<unknown>, db: Db, log: Logger): Promise<void> {
  const rows = batch.messages.map((message) => {
    const wrapped = DeadLetterEnvelopeSchema.safeParse(message.body);
    return {
      id: newId(),
      queue: batch.queue,
      body: JSON.stringify(wrapped.success ? wrapped.data.body : message.body) ?? "null",
      reason: wrapped.success ? wrapped.data.reason : "retries exhausted",
      attempts: wrapped.success ? wrapped.data.attempts : message.attempts,
    };
  });
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    await db.insert(deadLetters).values(rows.slice(i, i + ROWS_PER_INSERT));
  }
  batch.ackAll();
  log.warn("dead letters recorded", { queue: batch.queue, count: rows.length });
}

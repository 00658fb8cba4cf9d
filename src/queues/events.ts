// The EVENTS consumer: each event type belongs to one registered consumer. Messages are
// grouped by consumer and each decides how to write its share: the room archive writes each
// event on its own (one failing event is retried alone), post events fold theirs together.
// A message whose type nobody handles is poison and goes straight to the dead-letter queue.
import type { Db } from "../db/client";
import type { Logger } from "../lib/log";
import { deadLetter } from "./dead-letter";
import { roomArchiveConsumer } from "./room-archive";
import { postEventsConsumer } from "./post-events";

/** What a consumer gets besides its messages. */
export interface EventContext {
  env: Env;
  db: Db;
  log: Logger;
}

/** Handles the EVENTS messages whose `type` is in `types`. */
export interface EventConsumer {
  /** Event types (the message body's `type` field) this consumer owns. */
  types: readonly string[];
  /**
   * Processes its messages of one batch. It must settle every message: `ack()` when applied
   * (or already applied: delivery is at-least-once), `retry()` for a transient failure, or
   * `deadLetter()` for a message that can never succeed.
   */
  consume(messages: Message<unknown>[], ctx: EventContext): Promise<void>;
}

/** Every EVENTS consumer. Add new consumers here. */
const consumers: readonly EventConsumer[] = [roomArchiveConsumer, postEventsConsumer];

function eventType(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || !("type" in body)) return undefined;
  return typeof body.type === "string" ? body.type : undefined;
}

/** Routes one EVENTS batch to its consumers. */
export async function consumeEvents(batch: MessageBatch<unknown>, ctx: EventContext): Promise<void> {
  const groups = new Map<EventConsumer, Message<unknown>[]>();
  for (const message of batch.messages) {
    const type = eventType(message.body);
    const consumer = type === undefined ? undefined : consumers.find((c) => c.types.includes(type));
    if (!consumer) {
      await deadLetter(ctx.env.EVENTS_DLQ, message, "unknown message type", ctx.log);
      continue;
    }
    groups.set(consumer, [...(groups.get(consumer) ?? []), message]);
  }
  for (const [consumer, messages] of groups) await consumer.consume(messages, ctx);
}

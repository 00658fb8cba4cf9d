// The queue metrics of one delivered batch: messages per queue and each message's age.
import { count, metricsEnabled, observe } from "./index";

/** Counts a batch's messages and records how long each waited since it was sent. */
export function recordBatch(batch: MessageBatch<unknown>, now = Date.now()): void {
  if (!metricsEnabled()) return;
  const queue = batch.queue;
  count("plaza_queue_messages_total", { queue }, batch.messages.length);
  for (const m of batch.messages)
    observe("plaza_queue_message_age_ms", { queue }, Math.max(0, now - m.timestamp.getTime()));
}

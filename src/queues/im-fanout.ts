// The FANOUT consumer: each message is a big room's new entries for a chunk of its
// members; it calls each member's inbox. A message is acked only when every inbox in its
// chunk has the entries; otherwise it is retried whole (inboxes apply each (room, seq) once,
// so members that already have them are not affected). Malformed messages are dead-lettered.
import { loadConfig } from "../config";
import { deliverToInboxes, type MemberDelivery } from "../../durable/inbox/deliver";
import { FanoutJobSchema } from "../protocol/inbox";
import type { Logger } from "../lib/log";
import { deadLetter } from "./dead-letter";

/** Delivers one FANOUT batch: all of its inbox calls run with the configured concurrency. */
export async function consumeFanout(batch: MessageBatch<unknown>, env: Env, log: Logger): Promise<void> {
  const settings = loadConfig(env).im;
  const jobs: { message: Message<unknown>; deliveries: MemberDelivery[] }[] = [];
  for (const message of batch.messages) {
    const parsed = FanoutJobSchema.safeParse(message.body);
    if (!parsed.success) {
      await deadLetter(env.EVENTS_DLQ, message, "invalid fan-out job", log);
      continue;
    }
    const { room, entries, members } = parsed.data;
    jobs.push({
      message,
      deliveries: members.map((m) => ({ userId: m.userId, delivery: { room, entries, watching: m.watching } })),
    });
  }
  const failed = new Set(
    await deliverToInboxes(
      env.INBOX,
      jobs.flatMap((j) => j.deliveries),
      settings.fanoutConcurrency,
    ),
  );
  for (const { message, deliveries } of jobs) {
    if (deliveries.some((d) => failed.has(d.userId))) message.retry();
    else message.ack();
  }
  if (failed.size > 0) log.warn("fan-out: some inboxes unreachable; retrying their chunks", { failed: failed.size });
}

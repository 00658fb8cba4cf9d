// The FANOUT consumer: each message is a room's round for a chunk of its listening members;
// it calls each member's inbox. A message is acked only when every inbox in its chunk has the
// round; otherwise it is retried whole (inboxes skip what they have counted, so members that
// already have it are not affected). Inboxes that answer that they stopped listening are
// reported to their room in one call per room. Malformed messages are dead-lettered.
import { loadConfig } from "../config";
import { type DeliveryOutcome, deliverToInboxes, type MemberDelivery } from "../../durable/inbox/deliver";
import { FanoutJobSchema } from "../protocol/inbox";
import type { Logger } from "../lib/log";
import { countUsage } from "../lib/usage";
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
    const { room, fromSeq, entries, members } = parsed.data;
    jobs.push({
      message,
      deliveries: members.map((m) => ({
        userId: m.userId,
        since: m.since,
        delivery: { room, fromSeq, entries, watching: m.watching },
      })),
    });
  }
  const deliveries = jobs.flatMap((j) => j.deliveries);
  const outcome = await deliverToInboxes(env.INBOX, deliveries, settings.fanoutConcurrency);
  await reportStopped(env, outcome.stopped, log);
  const failed = new Set(outcome.failed);
  for (const { message, deliveries } of jobs) {
    if (deliveries.some((d) => failed.has(d.userId))) message.retry();
    else message.ack();
  }
  if (failed.size > 0) log.warn("fan-out: some inboxes unreachable; retrying their chunks", { failed: failed.size });
}

/** Tells each room which of its listeners stopped listening (one call per room). */
async function reportStopped(env: Env, stopped: DeliveryOutcome["stopped"], log: Logger): Promise<void> {
  const byRoom = new Map<string, { userId: string; since: number }[]>();
  for (const { roomId, userId, since } of stopped)
    byRoom.set(roomId, [...(byRoom.get(roomId) ?? []), { userId, since }]);
  for (const [roomId, listeners] of byRoom) {
    try {
      countUsage("doRpcs");
      await env.ROOM.get(env.ROOM.idFromName(roomId)).inboxesStopped(listeners);
    } catch (err) {
      // Harmless: the room sends them another round, and they answer again.
      log.warn("fan-out: could not tell a room about stopped inboxes", { roomId, error: String(err) });
    }
  }
}

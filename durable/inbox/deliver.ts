// Delivering a room's round to the listening members' inboxes: called by the room itself (few
// listeners) and by the FANOUT queue consumer (many).
import { mapLimit } from "../../src/lib/concurrency";
import { countUsage } from "../../src/lib/usage";
import type { InboxDelivery } from "../../src/protocol/inbox";

/** A listener and the round meant for them; `since`: the attach stamp the room holds for them. */
export interface MemberDelivery {
  userId: string;
  since?: number | undefined;
  delivery: InboxDelivery;
}

/** What came of a round: inboxes not reached (retry them) and inboxes that stopped listening. */
export interface DeliveryOutcome {
  failed: string[];
  stopped: { roomId: string; userId: string; since: number }[];
}

/**
 * Calls `Inbox.deliver` for each listener, at most `concurrency` at a time (inboxes apply each
 * (room, seq) once, so a retry is safe).
 */
export async function deliverToInboxes(
  inboxes: Env["INBOX"],
  jobs: readonly MemberDelivery[],
  concurrency: number,
): Promise<DeliveryOutcome> {
  const outcome: DeliveryOutcome = { failed: [], stopped: [] };
  await mapLimit(jobs, concurrency, async (job) => {
    countUsage("doRpcs");
    try {
      const result = await inboxes.get(inboxes.idFromName(job.userId)).deliver(job.userId, job.delivery);
      if (!result.listening && job.since !== undefined)
        outcome.stopped.push({ roomId: job.delivery.room.id, userId: job.userId, since: job.since });
    } catch {
      outcome.failed.push(job.userId);
    }
  });
  return outcome;
}

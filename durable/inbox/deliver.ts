// Delivering a room's new entries to its members' inboxes: called by the room itself (small
// rooms) and by the FANOUT queue consumer (large ones).
import { mapLimit } from "../../src/lib/concurrency";
import type { InboxDelivery } from "../../src/protocol/inbox";

/** A member and the delivery meant for them. */
export interface MemberDelivery {
  userId: string;
  delivery: InboxDelivery;
}

/**
 * Calls `Inbox.deliver` for each member, at most `concurrency` at a time. Returns the members
 * whose inbox could not be reached (the caller retries them; inboxes apply each entry once).
 */
export async function deliverToInboxes(
  inboxes: Env["INBOX"],
  jobs: readonly MemberDelivery[],
  concurrency: number,
): Promise<string[]> {
  const failed: string[] = [];
  await mapLimit(jobs, concurrency, async (job) => {
    try {
      await inboxes.get(inboxes.idFromName(job.userId)).deliver(job.userId, job.delivery);
    } catch {
      failed.push(job.userId);
    }
  });
  return failed;
}

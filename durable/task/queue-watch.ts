// A waiting task's place in line, made visible: kept on the task record (`queue`) and sent to
// its subscribers as `{kind: "queue", position, ahead, etaMs}` events when it changes, at most
// one a second (a change inside the second is sent by the alarm at its end).
import type { QueuePlace, TaskEventBody } from "../../src/protocol/tasks";
import type { TaskState } from "./store";

/** Queue events are coalesced to at most one per this many ms. */
export const QUEUE_EVENT_INTERVAL_MS = 1_000;

const same = (a: QueuePlace | undefined, b: QueuePlace | undefined) =>
  a?.position === b?.position && a?.ahead === b?.ahead;

/**
 * Records `place` on `s` and says what to do: emit the event now, or wait until `at` (the
 * coalescing window), or nothing (unchanged, or not waiting).
 */
export function nextQueueStep(
  s: TaskState,
  place: QueuePlace | undefined,
  now: number,
): { emit?: TaskEventBody; retryAt?: number } {
  if (s.phase !== "queued" || !place) return {};
  s.queue = place;
  if (same(place, s.queueSent)) return {};
  const due = (s.queueSentAt ?? 0) + QUEUE_EVENT_INTERVAL_MS;
  if (now < due) return { retryAt: due };
  s.queueSent = { position: place.position, ahead: place.ahead };
  s.queueSentAt = now;
  return {
    emit: {
      kind: "queue",
      position: place.position,
      ahead: place.ahead,
      ...(place.etaMs !== undefined ? { etaMs: place.etaMs } : {}),
    },
  };
}

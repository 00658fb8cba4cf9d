// Task subscriber sockets (hibernating, built on durable/sockets): a snapshot, then the event
// log from `since`, then live events; tagged by user and session so logout can close them.
import type { SocketIdentity } from "../../src/protocol/identity";
import type { Task, TaskEvent, TaskServerFrame } from "../../src/protocol/tasks";
import { trackSocketOwner } from "../socket-owners";
import { acceptSocket, closeSocket, sendFrame } from "../sockets/connection";

/** Close code and reason once a task has finished and its log has been sent. */
export const FINISHED_CLOSE = { code: 1000, reason: "task finished" } as const;

/** Reads `?since=` (a non-negative integer; anything else means from the start). */
export function sinceParam(url: string): number {
  const raw = new URL(url).searchParams.get("since");
  const n = raw === null ? 0 : Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

/**
 * Accepts a subscriber: sends the snapshot and every event after `since`, in order.
 * Returns the 101 response for the Worker to pass on.
 */
export function acceptSubscriber(
  ctx: DurableObjectState,
  identity: SocketIdentity,
  snapshot: { task: Task; seq: number },
  backlog: TaskEvent[],
  finished: boolean,
): Response {
  const { server, response } = acceptSocket(ctx, identity);
  trackSocketOwner("TASK", ctx.id);
  sendFrame(server, { type: "snapshot", ...snapshot } satisfies TaskServerFrame);
  for (const e of backlog) sendFrame(server, eventFrame(e));
  if (finished) closeSocket(server, FINISHED_CLOSE.code, FINISHED_CLOSE.reason);
  return response;
}

export function eventFrame(e: TaskEvent): TaskServerFrame {
  return { type: "event", seq: e.seq, at: e.at, event: e.event };
}

// Task subscriber sockets (hibernating): a snapshot, then the event log from `since`, then
// live events; tagged by session so logout can close them.
import type { SocketIdentity } from "../../src/protocol/identity";
import { SUBPROTOCOL } from "../../src/protocol/identity";
import type { Task, TaskEvent, TaskServerFrame } from "../../src/protocol/tasks";
import { trackSocketOwner } from "../socket-owners";

export const sessionTag = (sid: string) => `sid:${sid}`;

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
  const { 0: client, 1: server } = new WebSocketPair();
  ctx.acceptWebSocket(server, [sessionTag(identity.sid)]);
  trackSocketOwner("TASK", ctx.id);
  server.serializeAttachment(identity satisfies SocketIdentity);
  server.send(JSON.stringify({ type: "snapshot", ...snapshot } satisfies TaskServerFrame));
  for (const e of backlog) server.send(JSON.stringify(eventFrame(e)));
  if (finished) server.close(FINISHED_CLOSE.code, FINISHED_CLOSE.reason);
  return new Response(null, { status: 101, webSocket: client, headers: { "Sec-WebSocket-Protocol": SUBPROTOCOL } });
}

export function eventFrame(e: TaskEvent): TaskServerFrame {
  return { type: "event", seq: e.seq, at: e.at, event: e.event };
}

/** Sends a frame to every subscriber; sockets that cannot take it are already closing. */
export function broadcast(ctx: DurableObjectState, frame: TaskServerFrame): void {
  const text = JSON.stringify(frame);
  for (const ws of ctx.getWebSockets()) {
    try {
      ws.send(text);
    } catch {
      // closing; the runtime drops it
    }
  }
}

/** Closes every subscriber (or those of one session); returns how many. */
export function closeSubscribers(ctx: DurableObjectState, code: number, reason: string, sid?: string): number {
  const sockets = sid === undefined ? ctx.getWebSockets() : ctx.getWebSockets(sessionTag(sid));
  for (const ws of sockets) {
    try {
      ws.close(code, reason);
    } catch {
      // already closed
    }
  }
  return sockets.length;
}

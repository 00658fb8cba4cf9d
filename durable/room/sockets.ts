// The room's view of its sockets (built on the shared durable/sockets module): the attachment
// a room socket carries, and presence derived from the open sockets.
import { liveSockets, readAttachment as readAny, type SocketAttachment, userTag } from "../sockets/connection";

export { liveSockets, userTag } from "../sockets/connection";

/** Per-socket identity and liveness, kept in the hibernation attachment (small on purpose). */
export interface Attachment extends SocketAttachment {
  connectedAt: number;
  /** Last frame from the client (updated coarsely to bound attachment writes). */
  seenAt: number;
}

/** The room socket's attachment, or undefined for a socket that has none (never ours). */
export function readAttachment(ws: WebSocket): Attachment | undefined {
  return readAny<Attachment>(ws);
}

/** Users with at least one live socket, each once. */
export function onlineUsers(ctx: DurableObjectState): string[] {
  const users = new Set<string>();
  for (const ws of liveSockets(ctx)) {
    const id = readAttachment(ws)?.userId;
    if (id) users.add(id);
  }
  return [...users];
}

/** True when `userId` has a live socket other than `except`. */
export function isOnlineElsewhere(ctx: DurableObjectState, userId: string, except: WebSocket): boolean {
  return liveSockets(ctx, userTag(userId)).some((ws) => ws !== except);
}

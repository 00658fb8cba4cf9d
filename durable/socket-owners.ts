// Which objects of this isolate hold sockets, so that a server that is stopping can close
// every socket with 1001 ("going away", what Cloudflare sends on a deploy) instead of
// dropping the connection. The local server (`npm start`) asks for it through ServeControl.

/** Namespace bindings whose objects implement `goingAway()`. */
export type SocketOwnerBinding = "INBOX" | "ROOM" | "TASK";

/** RFC 6455: the endpoint is going away (server shutdown). */
const GOING_AWAY = 1001;

// Object id -> its namespace binding. Bounded by the objects that hold open sockets: an
// object leaves when its last socket closes (untrackIfIdle) or when it is told to go away.
const owners = new Map<string, SocketOwnerBinding>();

/** Records that object `id` of `binding` holds at least one socket. */
export function trackSocketOwner(binding: SocketOwnerBinding, id: DurableObjectId): void {
  owners.set(id.toString(), binding);
}

/** Forgets the object once none of its sockets is open (call from `webSocketClose`). */
export function untrackIfIdle(ctx: DurableObjectState): void {
  if (ctx.getWebSockets().every((ws) => ws.readyState !== WebSocket.OPEN)) owners.delete(ctx.id.toString());
}

/** Up to `limit` tracked objects, oldest first, as `[id, binding]` pairs. */
export function socketOwners(limit: number): [string, SocketOwnerBinding][] {
  const page: [string, SocketOwnerBinding][] = [];
  for (const entry of owners) {
    if (page.length >= limit) break;
    page.push(entry);
  }
  return page;
}

/** How many objects may hold sockets now. */
export function socketOwnerCount(): number {
  return owners.size;
}

/** Drops an object from the registry (it went away, or could not be reached). */
export function forgetSocketOwner(id: string): void {
  owners.delete(id);
}

/** Closes every socket of the object with 1001; returns how many it closed. */
export function closeAllSockets(ctx: DurableObjectState, reason = "server going away"): number {
  let closed = 0;
  for (const ws of ctx.getWebSockets()) {
    try {
      ws.close(GOING_AWAY, reason);
      closed++;
    } catch {
      // Already closing or closed.
    }
  }
  owners.delete(ctx.id.toString());
  return closed;
}

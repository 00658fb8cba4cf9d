// The room's sockets: the small per-socket attachment that survives hibernation, the tags
// that find a user's or a session's sockets, presence derived from the open sockets, and
// sending that never throws.
import type { RoomServerFrame } from "../../src/protocol/protocol";

/** Per-socket identity and liveness, kept in the hibernation attachment (small on purpose). */
export interface Attachment {
  userId: string;
  username: string;
  sid: string;
  connectedAt: number;
  /** Last frame from the client (updated coarsely to bound attachment writes). */
  seenAt: number;
  /** Set when the room closed the socket itself, so its close event is not announced twice. */
  gone?: true;
}

export const userTag = (userId: string) => `user:${userId}`;
export const sessionTag = (sid: string) => `sid:${sid}`;

/** The socket's attachment, or undefined for a socket that has none (never ours). */
export function readAttachment(ws: WebSocket): Attachment | undefined {
  const value: unknown = ws.deserializeAttachment();
  if (typeof value !== "object" || value === null || !("userId" in value) || typeof value.userId !== "string")
    return undefined;
  return value as Attachment;
}

/** Open sockets the room has not retired, optionally only those with `tag`. */
export function liveSockets(ctx: DurableObjectState, tag?: string): WebSocket[] {
  return ctx.getWebSockets(tag).filter((ws) => ws.readyState === WebSocket.OPEN && !readAttachment(ws)?.gone);
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

/** Sends a frame; a socket that cannot take it is already closing and is ignored. */
export function sendFrame(ws: WebSocket, frame: RoomServerFrame | string): void {
  try {
    ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  } catch {
    // The runtime drops closed sockets; nothing to do.
  }
}

/** Sends one frame to every live socket except `except`; the text is encoded once. */
export function broadcast(ctx: DurableObjectState, frame: RoomServerFrame, except?: WebSocket): void {
  const text = JSON.stringify(frame);
  for (const ws of ctx.getWebSockets()) {
    if (ws !== except) sendFrame(ws, text);
  }
}

/** Closes a socket from the room's side and marks it retired. */
export function retire(ws: WebSocket, code: number, reason: string): void {
  const attachment = readAttachment(ws);
  try {
    if (attachment) ws.serializeAttachment({ ...attachment, gone: true } satisfies Attachment);
    ws.close(code, reason);
  } catch {
    // Already closed.
  }
}

// A socket-holding object's connections (in the spirit of partyserver's Connection): the
// tags that find a user's or a session's sockets, the identity attachment that survives
// hibernation, sending and broadcasting that never throw, and a close that never throws.
import type { SocketIdentity } from "../../src/protocol/identity";
import { SUBPROTOCOL } from "../../src/protocol/identity";

/** What every socket of Room, Inbox and TaskRun carries: the caller, and whether we retired it. */
export interface SocketAttachment extends SocketIdentity {
  /** Set when the object closed the socket itself, so its close event is not handled twice. */
  gone?: true;
}

export const userTag = (userId: string) => `user:${userId}`;
export const sessionTag = (sid: string) => `sid:${sid}`;

/** The socket's attachment, or undefined for a socket that has none (never one of ours). */
export function readAttachment<T extends SocketAttachment = SocketAttachment>(ws: WebSocket): T | undefined {
  let value: unknown;
  try {
    value = ws.deserializeAttachment();
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  if (!("userId" in value) || typeof value.userId !== "string") return undefined;
  if (!("sid" in value) || typeof value.sid !== "string") return undefined;
  return value as T;
}

/**
 * Accepts the server end of a new socket with the user and session tags and its attachment;
 * returns the 101 response that hands the client end to the Worker.
 */
export function acceptSocket<T extends SocketAttachment>(
  ctx: DurableObjectState,
  attachment: T,
  extraTags: string[] = [],
): { server: WebSocket; response: Response } {
  const { 0: client, 1: server } = new WebSocketPair();
  ctx.acceptWebSocket(server, [userTag(attachment.userId), sessionTag(attachment.sid), ...extraTags]);
  server.serializeAttachment(attachment);
  const response = new Response(null, {
    status: 101,
    webSocket: client,
    headers: { "Sec-WebSocket-Protocol": SUBPROTOCOL },
  });
  return { server, response };
}

/** Open sockets the object has not retired, optionally only those with `tag`. */
export function liveSockets(ctx: DurableObjectState, tag?: string): WebSocket[] {
  return ctx.getWebSockets(tag).filter((ws) => ws.readyState === WebSocket.OPEN && !readAttachment(ws)?.gone);
}

/**
 * Sends a frame (an object is serialized here, a string is sent as is); false when the socket
 * cannot take it: it is already closing and the runtime drops it.
 */
export function sendFrame(ws: WebSocket, frame: object | string): boolean {
  try {
    ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
    return true;
  } catch {
    return false;
  }
}

/**
 * Sends one frame to every socket in `sockets` but `except`, serialized once for all of them;
 * returns how many took it. Dead sockets are skipped, never thrown on.
 */
export function broadcast(sockets: Iterable<WebSocket>, frame: object | string, except?: WebSocket): number {
  const text = typeof frame === "string" ? frame : JSON.stringify(frame);
  let reached = 0;
  for (const ws of sockets) if (ws !== except && sendFrame(ws, text)) reached++;
  return reached;
}

/** Close reasons are at most 123 bytes of UTF-8 (RFC 6455 5.5): longer ones would throw. */
const MAX_REASON_CHARS = 120;

/** Closes a socket from the object's side and marks it retired; never throws (it may be closed already). */
export function closeSocket(ws: WebSocket, code: number, reason: string): void {
  const attachment = readAttachment(ws);
  try {
    if (attachment && !attachment.gone) ws.serializeAttachment({ ...attachment, gone: true });
  } catch {
    // A closed socket's attachment cannot change; it is gone anyway.
  }
  try {
    ws.close(code, reason.slice(0, MAX_REASON_CHARS));
  } catch {
    // Already closed.
  }
}

/** Closes every socket in `sockets`; returns how many. */
export function closeSockets(sockets: WebSocket[], code: number, reason: string): number {
  for (const ws of sockets) closeSocket(ws, code, reason);
  return sockets.length;
}

/**
 * Completes the close handshake the client started (from `webSocketClose`). 1005 and 1006
 * are reserved (no code / abnormal) and cannot be sent back; a socket already closed is fine.
 */
export function answerClose(ws: WebSocket, code: number): void {
  if (code === 1005 || code === 1006) return;
  try {
    ws.close(code, "closing");
  } catch {
    // Already closed.
  }
}

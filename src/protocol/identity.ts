// How the Worker hands a verified caller to a Durable Object on a WebSocket upgrade.
// Objects are reachable only through their namespace binding, so these headers can only
// come from the Worker, which builds the forwarded request from scratch.

export const SUBPROTOCOL = "plaza.v1";

const USER_ID = "X-Plaza-User-Id";
const USERNAME = "X-Plaza-Username";
const SESSION_ID = "X-Plaza-Session-Id";

/** The verified caller of a socket. */
export interface SocketIdentity {
  userId: string;
  username: string;
  sid: string;
}

/** Headers that carry `identity` to a Durable Object. */
export function identityHeaders(identity: SocketIdentity): Record<string, string> {
  return { [USER_ID]: identity.userId, [USERNAME]: identity.username, [SESSION_ID]: identity.sid };
}

/** Reads the identity the Worker attached, or undefined when it is missing. */
export function readIdentity(request: Request): SocketIdentity | undefined {
  const userId = request.headers.get(USER_ID);
  const username = request.headers.get(USERNAME);
  const sid = request.headers.get(SESSION_ID);
  if (!userId || !username || !sid) return undefined;
  return { userId, username, sid };
}

/** Close codes Plaza uses beyond RFC 6455's. */
export const CloseCode = {
  /** The session was logged out or revoked. */
  sessionEnded: 4001,
  /** The user lost access (left, removed). */
  accessRevoked: 4003,
  /** Too many frames. */
  rateLimited: 4029,
  /** No ping or frame within the idle timeout. */
  idleTimeout: 4008,
} as const;

/** The header naming the room on an upgrade the Worker forwards to a Room object. */
export const ROOM_ID_HEADER = "X-Plaza-Room-Id";

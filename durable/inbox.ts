// Inbox: one Durable Object per user. It owns every device's inbox socket
// (`/v1/inbox/ws`, hibernating) and delivers the user's notifications to all of them.
//
// Responsibilities:
// - accept sockets the Worker has authenticated (identity in headers, see src/shared/identity.ts);
// - `notify`: send a frame to every connected device;
// - `endSession`: close the sockets of one session when it is logged out or revoked;
// - `goingAway`: close every socket with 1001 when the server stops.
import { DurableObject } from "cloudflare:workers";
import { CloseCode, readIdentity, SUBPROTOCOL, type SocketIdentity } from "../src/shared/identity";
import { errorFrame, type InboxServerFrame, PING_FRAME, PONG_FRAME } from "../src/shared/protocol";
import { closeAllSockets, trackSocketOwner, untrackIfIdle } from "./socket-owners";

/** Per-socket state kept in the hibernation attachment (small on purpose). */
type Attachment = SocketIdentity;

const sessionTag = (sid: string) => `sid:${sid}`;

export class Inbox extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Keep-alives are answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
  }

  /** Only upgrades: the Worker has verified the caller and forwards the identity. */
  override async fetch(request: Request): Promise<Response> {
    const identity = readIdentity(request);
    if (!identity || request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected an authenticated websocket upgrade", { status: 400 });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [sessionTag(identity.sid)]);
    server.serializeAttachment(identity satisfies Attachment);
    trackSocketOwner("INBOX", this.ctx.id);
    return new Response(null, { status: 101, webSocket: client, headers: { "Sec-WebSocket-Protocol": SUBPROTOCOL } });
  }

  /** Sends `frame` to every device of this user; returns how many sockets it reached. */
  async notify(frame: InboxServerFrame): Promise<number> {
    const text = JSON.stringify(frame);
    let reached = 0;
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(text);
        reached++;
      } catch {
        // A socket that cannot take a frame is already closing; the runtime drops it.
      }
    }
    return reached;
  }

  /** Closes the sockets that belong to session `sid`; returns how many were closed. */
  async endSession(sid: string): Promise<number> {
    const sockets = this.ctx.getWebSockets(sessionTag(sid));
    for (const ws of sockets) ws.close(CloseCode.sessionEnded, "session ended");
    return sockets.length;
  }

  /** Closes every socket with 1001 because the server is stopping; returns how many it closed. */
  async goingAway(): Promise<number> {
    return closeAllSockets(this.ctx);
  }

  /** How many devices are connected now. */
  async connectedDevices(): Promise<number> {
    return this.ctx.getWebSockets().length;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    // The inbox socket carries server-to-client frames only; pings are auto-answered.
    ws.send(errorFrame("unsupported_frame", "The inbox socket accepts no frames besides ping."));
    void message;
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    // Complete the close handshake; 1005/1006 are reserved and cannot be sent back.
    if (code !== 1005 && code !== 1006) ws.close(code, "closing");
    untrackIfIdle(this.ctx);
  }
}

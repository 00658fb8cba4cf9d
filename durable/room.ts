// Room: one Durable Object per chat room. It owns the room's sockets and its ordered,
// durable message log.
//
// Responsibilities (this first version):
// - accept sockets the Worker has authenticated (hibernation API, identity in the attachment);
// - give every message the room's next gap-free `seq`, write it to SQLite storage, and only
//   then ack the sender and broadcast it;
// - never create a second message for the same sender and `clientMsgId`: the resend gets
//   the original ack.
import { DurableObject } from "cloudflare:workers";
import { newId } from "../src/lib/ids";
import { readIdentity, SUBPROTOCOL, type SocketIdentity } from "../src/shared/identity";
import {
  errorFrame,
  type Message,
  parseJsonFrame,
  PING_FRAME,
  PONG_FRAME,
  RoomClientFrameSchema,
  type RoomServerFrame,
} from "../src/shared/protocol";

type Attachment = SocketIdentity & { roomId: string };

/** Frames larger than this close the socket with 1009 (message too big). */
const MAX_FRAME_BYTES = 16_384;
const MAX_BODY_CHARS = 4_000;

interface MessageRow extends Record<string, SqlStorageValue> {
  seq: number;
  id: string;
  client_msg_id: string;
  sender_id: string;
  sender_username: string;
  body: string;
  created_at: number;
}

export class Room extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS messages (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        client_msg_id TEXT NOT NULL,
        sender_id TEXT NOT NULL,
        sender_username TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (sender_id, client_msg_id)
      )`);
    });
  }

  /** Only upgrades. `X-Plaza-Room-Id` names the room (ids are not recoverable from the object id). */
  override async fetch(request: Request): Promise<Response> {
    const identity = readIdentity(request);
    const roomId = request.headers.get("X-Plaza-Room-Id");
    if (!identity || !roomId || request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected an authenticated websocket upgrade", { status: 400 });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [`user:${identity.userId}`]);
    server.serializeAttachment({ ...identity, roomId } satisfies Attachment);
    return new Response(null, { status: 101, webSocket: client, headers: { "Sec-WebSocket-Protocol": SUBPROTOCOL } });
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const size = typeof data === "string" ? new TextEncoder().encode(data).byteLength : data.byteLength;
    if (size > MAX_FRAME_BYTES) {
      ws.close(1009, "frame too large");
      return;
    }
    if (typeof data !== "string") {
      ws.send(errorFrame("invalid_frame", "Frames are JSON text."));
      return;
    }
    const parsed = RoomClientFrameSchema.safeParse(parseJsonFrame(data));
    if (!parsed.success) {
      ws.send(errorFrame("invalid_frame", parsed.error.issues[0]?.message ?? "Invalid frame."));
      return;
    }
    const frame = parsed.data;
    if (frame.type !== "send") return;
    if (frame.body.length > MAX_BODY_CHARS) {
      ws.send(errorFrame("body_too_long", `A message body is at most ${MAX_BODY_CHARS} characters.`));
      return;
    }
    const sender = ws.deserializeAttachment() as Attachment;
    const { message, created } = this.append(sender, frame.clientMsgId, frame.body);
    const ack: RoomServerFrame = { type: "ack", clientMsgId: message.clientMsgId, seq: message.seq, id: message.id };
    ws.send(JSON.stringify(ack));
    if (created) this.broadcast({ type: "message", message });
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    if (code !== 1005 && code !== 1006) ws.close(code, "closing");
  }

  /** Stores a message (synchronously, so seq assignment cannot interleave) or finds the earlier one. */
  private append(sender: Attachment, clientMsgId: string, body: string): { message: Message; created: boolean } {
    const sql = this.ctx.storage.sql;
    const existing = sql
      .exec<MessageRow>("SELECT * FROM messages WHERE sender_id = ? AND client_msg_id = ?", sender.userId, clientMsgId)
      .toArray()[0];
    if (existing) return { message: toMessage(sender.roomId, existing), created: false };
    const row = sql
      .exec<MessageRow>(
        `INSERT INTO messages (seq, id, client_msg_id, sender_id, sender_username, body, created_at)
         VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM messages), ?, ?, ?, ?, ?, ?) RETURNING *`,
        newId(),
        clientMsgId,
        sender.userId,
        sender.username,
        body,
        Date.now(),
      )
      .one();
    return { message: toMessage(sender.roomId, row), created: true };
  }

  private broadcast(frame: RoomServerFrame): void {
    const text = JSON.stringify(frame);
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(text);
      } catch {
        // Closing sockets are dropped by the runtime.
      }
    }
  }
}

function toMessage(roomId: string, row: MessageRow): Message {
  return {
    id: row.id,
    roomId,
    seq: row.seq,
    clientMsgId: row.client_msg_id,
    sender: { id: row.sender_id, username: row.sender_username },
    body: row.body,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

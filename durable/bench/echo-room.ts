// Bench baseline: a bare hibernating Durable Object that only broadcasts. Every text frame
// goes to every socket as-is: no auth, no parsing, no storage. bench/rooms.ts compares the
// Room against it. Reachable only through /__bench/ when BENCH_ROUTES = "on".
import { DurableObject } from "cloudflare:workers";
import { PING_FRAME, PONG_FRAME } from "../../src/protocol/protocol";

export class BenchEchoRoom extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
  }

  /** Only upgrades. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket")
      return new Response("upgrade required", { status: 426 });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(_ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    for (const socket of this.ctx.getWebSockets()) {
      try {
        socket.send(data);
      } catch {
        // closing socket
      }
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    if (code !== 1005 && code !== 1006) ws.close(code, "closing");
  }
}

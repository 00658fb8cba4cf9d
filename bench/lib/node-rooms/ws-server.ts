// Bench baseline `ws`: a raw `ws` broadcast server on Node, run by bench:rooms as a child
// process (process.ts). A client connects to /rooms/<name> and speaks Plaza's room frames:
// `send` is acked to the sender and broadcast to the room as a `message` frame encoded once;
// `ping` answers `pong`; anything else gets an `error` frame. In memory only.
//   node bench/lib/node-rooms/ws-server.ts   # binds 127.0.0.1 on a free port, prints {"port":N}
import { type WebSocket, WebSocketServer } from "ws";
import { errorFrame, PING_FRAME, PONG_FRAME, parseJsonFrame } from "../../../src/protocol/protocol.ts";
import { accept, announce, asSend, memoryRoom, memorySender } from "./message.ts";

const ROOM_PATH = /^\/rooms\/([A-Za-z0-9_-]{1,64})$/;
const members = new Map<string, Set<WebSocket>>();

const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false, maxPayload: 65_536 });

wss.on("connection", (ws, request) => {
  const name = ROOM_PATH.exec(new URL(request.url ?? "/", "http://localhost").pathname)?.[1];
  if (!name) return ws.close(1008, "no such room");
  const room = memoryRoom(name);
  const sender = memorySender();
  const peers = members.get(name) ?? new Set<WebSocket>();
  members.set(name, peers);
  peers.add(ws);
  ws.on("close", () => peers.delete(ws));
  ws.on("message", (data, isBinary) => {
    const text = isBinary ? "" : data.toString();
    if (text === PING_FRAME) return ws.send(PONG_FRAME);
    const frame = parseJsonFrame(text) as { type?: unknown } | undefined;
    const send = frame?.type === "send" ? asSend(frame) : undefined;
    if (!send) return ws.send(errorFrame("bad_frame", "expected a send frame"));
    const { message, ack } = accept(room, sender, send);
    ws.send(JSON.stringify({ type: "ack", ...ack }));
    // Serialized and encoded once per broadcast, not once per recipient.
    const broadcast = Buffer.from(JSON.stringify({ type: "message", message }));
    for (const peer of peers) if (peer.readyState === 1) peer.send(broadcast, { binary: false });
  });
});

wss.on("listening", () => {
  const address = wss.address();
  if (typeof address === "object" && address) announce(address.port);
});

process.on("SIGTERM", () => {
  for (const ws of wss.clients) ws.terminate();
  wss.close(() => process.exit(0));
});

// Bench baseline `socketio`: a Socket.IO 4 room server on Node, run by bench:rooms as a child
// process (process.ts). The idiomatic Socket.IO room: a client joins the room named in its
// CONNECT auth ({ room }), emits `send` with an ack callback, and the server acks
// ({ clientMsgId, seq, id }) and emits `message` (a Plaza-shaped message) to the whole room,
// sender included; the adapter encodes a broadcast once. WebSocket transport only, in memory.
//   node bench/lib/node-rooms/socketio-server.ts   # binds 127.0.0.1 on a free port, prints {"port":N}
import { createServer } from "node:http";
import { Server } from "socket.io";
import { accept, announce, asSend, memoryRoom, memorySender } from "./message.ts";

const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const http = createServer((_req, res) => res.writeHead(404).end());
const io = new Server(http, { transports: ["websocket"], serveClient: false, perMessageDeflate: false });

io.use((socket, next) => {
  const room: unknown = socket.handshake.auth.room;
  next(typeof room === "string" && ROOM_NAME.test(room) ? undefined : new Error("no such room"));
});

io.on("connection", (socket) => {
  const name = socket.handshake.auth.room as string;
  const room = memoryRoom(name);
  const sender = memorySender();
  socket.join(name);
  socket.on("send", (frame: unknown, ack: unknown) => {
    const send = asSend(frame);
    if (!send) return socket.emit("error_frame", { code: "bad_frame", detail: "expected a send" });
    const accepted = accept(room, sender, send);
    if (typeof ack === "function") ack(accepted.ack);
    io.to(name).emit("message", accepted.message);
  });
});

http.listen(0, "127.0.0.1", () => {
  const address = http.address();
  if (typeof address === "object" && address) announce(address.port);
});

process.on("SIGTERM", () => {
  io.disconnectSockets(true);
  io.close(() => process.exit(0));
});

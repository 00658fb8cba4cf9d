// What both Node room baselines do per message, the part of Plaza's semantics the load
// generator sees: a room keeps a gap-free seq, a send becomes a message shaped like Plaza's
// (src/protocol/protocol.ts Message), the sender gets an ack with the seq and id. Nothing is
// stored: these rooms show the fastest in-memory fan-out, not a durable one.
import { randomUUID } from "node:crypto";
import type { Message } from "../../../src/protocol/protocol.ts";

/** A room's in-memory state. */
export interface MemoryRoom {
  id: string;
  seq: number;
}

/** A connected client's identity, as a message names its sender. */
export interface MemorySender {
  id: string;
  username: string;
}

/** A `send` as the baselines accept it: the fields Plaza's `send` frame carries. */
export interface SendFrame {
  clientMsgId: string;
  body: string;
}

/** The ack a sender gets (Plaza's `ack` frame without its `type`). */
export interface Ack {
  clientMsgId: string;
  seq: number;
  id: string;
}

const rooms = new Map<string, MemoryRoom>();
let connections = 0;

/** The room called `name`, created on first use. */
export function memoryRoom(name: string): MemoryRoom {
  let room = rooms.get(name);
  if (!room) {
    room = { id: randomUUID(), seq: 0 };
    rooms.set(name, room);
  }
  return room;
}

/** A new connection's sender identity. */
export function memorySender(): MemorySender {
  const n = connections++;
  return { id: randomUUID(), username: `bench_n${String(n % 1000).padStart(3, "0")}` };
}

/** Narrows an untrusted value to a send (Plaza's limits: clientMsgId 1-64 chars, body not empty). */
export function asSend(value: unknown): SendFrame | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { clientMsgId, body } = value as Record<string, unknown>;
  if (typeof clientMsgId !== "string" || clientMsgId.length < 1 || clientMsgId.length > 64) return undefined;
  if (typeof body !== "string" || body.length < 1) return undefined;
  return { clientMsgId, body };
}

/** Takes the room's next seq for `send` and returns the message and its ack. */
export function accept(room: MemoryRoom, sender: MemorySender, send: SendFrame): { message: Message; ack: Ack } {
  const seq = ++room.seq;
  const id = randomUUID();
  const message: Message = {
    id,
    roomId: room.id,
    seq,
    clientMsgId: send.clientMsgId,
    sender,
    body: send.body,
    createdAt: new Date().toISOString(),
  };
  return { message, ack: { clientMsgId: send.clientMsgId, seq, id } };
}

/** Prints the bound port as the first line of stdout (process.ts waits for it). */
export function announce(port: number): void {
  process.stdout.write(`${JSON.stringify({ port })}\n`);
}

// Chat-room load, written against docs/API.md (rooms, room socket frames): room fan-out
// (senders keep a window of unacknowledged messages; every socket counts the messages it
// receives) and a broadcast to many idle sockets. Until the room routes are on the server,
// each case reports itself as pending.
import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import { benchIp, type BenchUser, percentile } from "./bench-users.ts";
import type { PendingCase } from "./plaza-http-cases.ts";
import { closeAll, openSockets, type SocketSpec } from "./socket-pool.ts";

export interface FanoutShape {
  name: string;
  rooms: number;
  clientsPerRoom: number;
}

export interface FanoutResult {
  name: string;
  rooms: number;
  clientsPerRoom: number;
  sent: number;
  acked: number;
  delivered: number;
  deliveriesPerSec: number;
  messagesPerSec: number;
  ackP50Ms: number;
  ackP99Ms: number;
}

interface Frame {
  type: string;
  clientMsgId?: string;
}

const post = (base: string, path: string, token: string, body?: unknown) =>
  fetch(`${base}${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", "CF-Connecting-IP": benchIp() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** Creates a channel owned by `owner` that every one of `members` has joined; undefined if rooms do not exist. */
async function createRoom(base: string, owner: BenchUser, members: BenchUser[]): Promise<string | undefined> {
  const created = await post(base, "/v1/rooms", owner.accessToken, { kind: "channel", name: `bench ${randomUUID().slice(0, 8)}` });
  if (created.status === 404) return undefined;
  if (created.status !== 201) throw new Error(`POST /v1/rooms: ${created.status} ${await created.text()}`);
  const { id } = (await created.json()) as { id: string };
  for (const member of new Set(members)) {
    if (member === owner) continue;
    const joined = await post(base, `/v1/rooms/${id}/join`, member.accessToken);
    if (joined.status !== 204 && joined.status !== 409) throw new Error(`join ${id}: ${joined.status} ${await joined.text()}`);
  }
  return id;
}

const socketSpec = (base: string, roomId: string, user: BenchUser): SocketSpec => ({
  url: `${base.replace(/^http/, "ws")}/v1/rooms/${roomId}/ws`,
  protocols: ["plaza.v1", `bearer.${user.accessToken}`],
});

const parse = (data: WebSocket.RawData): Frame | undefined => {
  try {
    return JSON.parse(data.toString()) as Frame;
  } catch {
    return undefined;
  }
};

export const ROOMS_PENDING = "the room routes (POST /v1/rooms, /v1/rooms/:id/ws) are not on this server yet";

/** Measures room fan-out with `shape` for `durationSec`; needs at least `clientsPerRoom` users. */
export async function measureFanout(
  base: string,
  users: BenchUser[],
  shape: FanoutShape,
  durationSec: number,
  window = 16,
): Promise<FanoutResult | PendingCase> {
  const roomSockets: WebSocket[][] = [];
  try {
    for (let r = 0; r < shape.rooms; r++) {
      const members = Array.from({ length: shape.clientsPerRoom }, (_, k) => users[(r * shape.clientsPerRoom + k) % users.length]!);
      const roomId = await createRoom(base, members[0]!, members);
      if (!roomId) return { name: shape.name, reason: ROOMS_PENDING };
      const opened = await openSockets(members.map((m) => socketSpec(base, roomId, m)));
      roomSockets.push(opened.sockets);
      if (opened.failed > 0) throw new Error(`room sockets: ${opened.failed} failed (${opened.failures.join("; ")})`);
    }
    let delivered = 0;
    let lastDelivery = 0;
    const started = Date.now();
    for (const ws of roomSockets.flat()) {
      ws.on("message", (data) => {
        if (parse(data)?.type === "message") {
          delivered++;
          lastDelivery = Date.now();
        }
      });
    }
    const deadline = started + durationSec * 1000;
    const ackMs: number[] = [];
    let sent = 0;
    // One sender per room keeps `window` messages unacknowledged until the deadline.
    await Promise.all(
      roomSockets.map(
        (sockets) =>
          new Promise<void>((resolve) => {
            const sender = sockets[0]!;
            const inFlight = new Map<string, number>();
            const sendOne = () => {
              const clientMsgId = randomUUID();
              inFlight.set(clientMsgId, Date.now());
              sent++;
              sender.send(JSON.stringify({ type: "send", clientMsgId, body: "fan-out benchmark message" }));
            };
            const finish = setTimeout(resolve, durationSec * 1000 + 10_000);
            sender.on("message", (data) => {
              const frame = parse(data);
              if (frame?.type !== "ack" || !frame.clientMsgId) return;
              const at = inFlight.get(frame.clientMsgId);
              if (at === undefined) return;
              inFlight.delete(frame.clientMsgId);
              ackMs.push(Date.now() - at);
              if (Date.now() < deadline) sendOne();
              else if (inFlight.size === 0) {
                clearTimeout(finish);
                resolve();
              }
            });
            for (let i = 0; i < window; i++) sendOne();
          }),
      ),
    );
    // Let the last broadcasts arrive (bounded).
    const settle = Date.now() + 5_000;
    while (Date.now() < settle && Date.now() - lastDelivery < 500) await new Promise((r) => setTimeout(r, 100));
    const elapsedSec = (Math.max(lastDelivery, deadline) - started) / 1000;
    return {
      name: shape.name,
      rooms: shape.rooms,
      clientsPerRoom: shape.clientsPerRoom,
      sent,
      acked: ackMs.length,
      delivered,
      deliveriesPerSec: delivered / elapsedSec,
      messagesPerSec: ackMs.length / elapsedSec,
      ackP50Ms: percentile(ackMs, 50),
      ackP99Ms: percentile(ackMs, 99),
    };
  } finally {
    await closeAll(roomSockets.flat());
  }
}

/** A room many idle sockets can join, and a broadcast that counts how many receive it. */
export interface BroadcastTarget {
  spec(i: number): SocketSpec;
  /** Sends one message into the room; resolves with how many of `sockets` received it. */
  broadcast(sockets: WebSocket[], timeoutMs?: number): Promise<number>;
}

/** A room for the idle-socket ramp; undefined while the room routes are not on the server. */
export async function roomBroadcastTarget(base: string, users: BenchUser[]): Promise<BroadcastTarget | undefined> {
  const roomId = await createRoom(base, users[0]!, users);
  if (!roomId) return undefined;
  return {
    spec: (i) => socketSpec(base, roomId, users[i % users.length]!),
    async broadcast(sockets, timeoutMs = 30_000) {
      const marker = `broadcast ${randomUUID()}`;
      const received = Promise.all(
        sockets.map(
          (ws) =>
            new Promise<boolean>((resolve) => {
              const timer = setTimeout(() => resolve(false), timeoutMs);
              ws.on("message", (data) => {
                if (data.toString().includes(marker)) {
                  clearTimeout(timer);
                  resolve(true);
                }
              });
            }),
        ),
      );
      const sender = await openSockets([socketSpec(base, roomId, users[0]!)]);
      sender.sockets[0]?.send(JSON.stringify({ type: "send", clientMsgId: randomUUID(), body: marker }));
      const count = (await received).filter(Boolean).length;
      await closeAll(sender.sockets);
      return count;
    },
  };
}

// The rooms bench/rooms.ts compares, behind one interface: Plaza's Room (real users,
// channels and tokens), a bare hibernating broadcast object, the same room in partyserver,
// and two Node servers outside workerd (a Socket.IO 4 room and a raw `ws` broadcast,
// node-rooms/). Every baseline delivers frames shaped like Plaza's `message` frames, so every
// client parses the same amount of JSON whichever room it listens to.
import { PING_FRAME, PONG_FRAME } from "../../src/protocol/protocol.ts";
import type { RampTarget } from "./idle-ramp.ts";
import { api, type BenchUser, ensureUser } from "./plaza.ts";
import { type BenchSocket, openSocket } from "./sockets.ts";
import { mapLimit, sleep } from "./stats.ts";

export type TargetName = "plaza" | "echo" | "party" | "socketio" | "ws";

/** A delivered broadcast: which publisher, which of its messages, when it was sent. */
export interface Delivery {
  publisher: number;
  n: number;
  sentAt: number;
}

/**
 * A target's rooms for one layout: connect a client and build the frame a publisher sends.
 * `onAck` is called for each ack of this client's sends (targets that ack: plaza, socketio, ws).
 */
export interface TargetRooms {
  connect(
    room: number,
    client: number,
    onDelivery: (d: Delivery) => void,
    onError: () => void,
    onAck?: () => void,
  ): Promise<BenchSocket>;
  frame(publisher: number, n: number, sentAt: number): string;
}

export interface Layout {
  rooms: number;
  clientsPerRoom: number;
}

/** Creates (or logs into) `count` bench users. */
export function benchUsers(base: string, count: number): Promise<BenchUser[]> {
  const names = Array.from({ length: count }, (_, i) => `bench_r${String(i).padStart(3, "0")}`);
  return mapLimit(names, 6, (name) => ensureUser(base, name));
}

/** The user behind client `client` of room `room` (users are reused across rooms). */
const userFor = (users: readonly BenchUser[], layout: Layout, room: number, client: number) =>
  users[(room * layout.clientsPerRoom + client) % users.length]!;

/** The delivery a message body `publisher:n:sentAt` (as every target's publisher writes it) stands for. */
export function deliveryOfBody(body: string): Delivery | undefined {
  const [publisher, n, sentAt] = body.split(":").map(Number);
  return publisher === undefined || n === undefined || sentAt === undefined ? undefined : { publisher, n, sentAt };
}

function parseDelivery(text: string): Delivery | undefined {
  if (!text.startsWith('{"type":"message"')) return undefined;
  return deliveryOfBody((JSON.parse(text) as { message: { body: string } }).message.body);
}

/** A client's handler for Plaza's room frames (`message`, `ack`, `error`). */
export function listener(onDelivery: (d: Delivery) => void, onError: () => void, onAck?: () => void) {
  return (text: string) => {
    const delivery = parseDelivery(text);
    if (delivery) onDelivery(delivery);
    else if (text.startsWith('{"type":"ack"')) onAck?.();
    else if (text.startsWith('{"type":"error"')) onError();
  };
}

/** Plaza's `send` frame for publisher `publisher`'s `n`th message. */
export const sendFrame = (publisher: number, n: number, sentAt: number) =>
  JSON.stringify({ type: "send", clientMsgId: `${publisher}-${n}-${sentAt}`, body: `${publisher}:${n}:${sentAt}` });

/**
 * Plaza: one channel per room, owned by one member, the others added at creation. A room may
 * have more clients than users (a user's several sockets), but at most 100 distinct users.
 */
export async function plazaRooms(base: string, users: readonly BenchUser[], layout: Layout): Promise<TargetRooms> {
  const roomIds = await mapLimit(
    Array.from({ length: layout.rooms }, (_, r) => r),
    8,
    async (r) => {
      const members = new Set(Array.from({ length: layout.clientsPerRoom }, (_, c) => userFor(users, layout, r, c)));
      if (members.size > 100) throw new Error("a channel is created with at most 99 invited members");
      const [owner, ...rest] = [...members];
      const res = await api<{ id: string }>(base, "/v1/rooms", {
        token: owner!.token,
        body: { kind: "channel", name: `bench ${r}`, memberIds: rest.map((u) => u.id) },
      });
      if (res.status !== 201) throw new Error(`create room: ${res.status} ${JSON.stringify(res.data)}`);
      return res.data.id;
    },
  );
  return {
    async connect(room, client, onDelivery, onError, onAck) {
      const user = userFor(users, layout, room, client);
      let welcomed!: () => void;
      const welcome = new Promise<void>((r) => (welcomed = r));
      const onFrame = listener(onDelivery, onError, onAck);
      const socket = await openSocket(`${base}/v1/rooms/${roomIds[room]}/ws`, {
        token: user.token,
        onMessage: (text) => (text.startsWith('{"type":"welcome"') ? welcomed() : onFrame(text)),
      });
      await Promise.race([
        welcome,
        new Promise((_, reject) => setTimeout(() => reject(new Error("no welcome")), 15_000)),
      ]);
      return socket;
    },
    frame: sendFrame,
  };
}

/** A baseline room (`echo` or `party`), reached through /__bench/ (BENCH_ROUTES = on). */
export function baselineRooms(base: string, target: "echo" | "party"): TargetRooms {
  const run = Math.random().toString(36).slice(2, 8);
  return {
    connect: (room, _client, onDelivery, onError) =>
      openSocket(`${base}/__bench/rooms/${target}/${run}-${room}/ws`, { onMessage: listener(onDelivery, onError) }),
    // The same shape and size as the frame Plaza broadcasts for a message.
    frame: (publisher, n, sentAt) =>
      JSON.stringify({
        type: "message",
        message: {
          id: "01936b2e-8f5c-7a3e-9b1d-2f4a6c8e0b1d",
          roomId: "01936b2e-8f5c-7a3e-9b1d-2f4a6c8e0b1e",
          seq: n,
          clientMsgId: `${publisher}-${n}-${sentAt}`,
          sender: { id: "01936b2e-8f5c-7a3e-9b1d-2f4a6c8e0b1f", username: "bench_r000" },
          body: `${publisher}:${n}:${sentAt}`,
          createdAt: new Date(sentAt).toISOString(),
        },
      }),
  };
}

/** True when the server answers the bench baseline routes. */
export async function baselinesEnabled(base: string): Promise<boolean> {
  try {
    const socket = await openSocket(`${base}/__bench/rooms/echo/probe/ws`, { timeoutMs: 5_000 });
    socket.ws.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * The idle-socket ramp's room: one Plaza channel of `users` that holds up to `sockets`
 * clients (each user several sockets), and a broadcast that counts the clients it reached.
 */
export async function plazaBroadcastRoom(
  base: string,
  users: readonly BenchUser[],
  sockets: number,
): Promise<RampTarget> {
  const rooms = await plazaRooms(base, users, { rooms: 1, clientsPerRoom: sockets });
  const BROADCASTER = 1_000_000;
  let reached = 0;
  const onDelivery = (d: Delivery) => d.publisher === BROADCASTER && reached++;
  return {
    open: (i) => rooms.connect(0, i, onDelivery, () => undefined),
    ping: { frame: PING_FRAME, answer: PONG_FRAME },
    async broadcast(held, timeoutMs = 60_000) {
      reached = 0;
      held[0]!.send(rooms.frame(BROADCASTER, 1, Date.now()));
      const deadline = Date.now() + timeoutMs;
      while (reached < held.length && Date.now() < deadline) await sleep(100);
      await sleep(500); // a late duplicate would show as reached > held
      return reached;
    },
  };
}

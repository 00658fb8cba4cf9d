// Room fan-out measurement, the same for every target (Plaza's Room, the bare object,
// partyserver) and every server: clients connect to `layout`'s rooms, publishers send, and
// every delivery within the measured window counts, with its publish -> receive latency.
// - saturate: every client publishes at up to 15 msg/s (under Plaza's per-socket limit of
//   20) with one message of its own in flight at a time (a closed loop: no backlog outlives
//   the window);
// - fixed: `publishers` x `ratePerPublisher` msg/s in total.
// Optional hooks run once every client is connected and once every publisher's messages came
// back (clients still connected): bench/rooms.ts reads Plaza's usage meter there (usage.ts).
import type { Delivery, Layout, TargetRooms } from "./room-targets.ts";
import { type BenchSocket, closeAll } from "./sockets.ts";
import { mapLimit, nowMs, sleep, summarize, type Summary } from "./stats.ts";

export type FanoutMode = { kind: "saturate" } | { kind: "fixed"; publishers: number; ratePerPublisher: number };

/** The fixed load of the issue: 100 msg/s in total (10 x 10 msg/s in one room, 1 msg/s per room when rooms are many). */
export const fixedLoad = (layout: Layout): FanoutMode => ({
  kind: "fixed",
  publishers: layout.rooms === 1 ? 10 : 100,
  ratePerPublisher: layout.rooms === 1 ? 10 : 1,
});

export interface FanoutResult {
  /** Deliveries (messages received by a client) in the window. */
  delivered: number;
  perSecond: number;
  /** Messages published over the whole run (warm-up and drain included). */
  sent: number;
  /** Acks of those messages received (0 for targets that do not ack: echo, party). */
  acked: number;
  errors: number;
  latency: Summary;
}

/** Work around the publishing: `beforePublish` once all clients are connected, `afterPublish` after the drain. */
export interface FanoutHooks {
  beforePublish?(): Promise<void>;
  afterPublish?(): Promise<void>;
}

/** Connects one client per (room, index) of `layout`, 50 at a time. */
export function connectAll(
  rooms: TargetRooms,
  layout: Layout,
  onDelivery: (d: Delivery, client: number) => void,
  onError: () => void,
  onAck?: () => void,
): Promise<BenchSocket[]> {
  const slots = Array.from({ length: layout.rooms * layout.clientsPerRoom }, (_, i) => ({
    room: Math.floor(i / layout.clientsPerRoom),
    index: i % layout.clientsPerRoom,
  }));
  return mapLimit(slots, 50, ({ room, index }, i) =>
    rooms.connect(room, index, (d) => onDelivery(d, i), onError, onAck),
  );
}

/** Publishes with `mode` for `durationMs` (after a 1 s warm-up) and measures every delivery in that window. */
export async function measureFanout(
  rooms: TargetRooms,
  layout: Layout,
  mode: FanoutMode,
  durationMs: number,
  hooks: FanoutHooks = {},
): Promise<FanoutResult> {
  const latencies: number[] = [];
  let delivered = 0;
  let errors = 0;
  let acked = 0;
  let measuring = false;
  // Publisher p is client publisherClient[p]; it has outstanding[p] messages it has not seen come back.
  const publisherClient: number[] = [];
  const outstanding: number[] = [];
  const clients = await connectAll(
    rooms,
    layout,
    (d, client) => {
      if (publisherClient[d.publisher] === client)
        outstanding[d.publisher] = Math.max(0, (outstanding[d.publisher] ?? 1) - 1);
      if (!measuring) return;
      delivered++;
      latencies.push(nowMs() - d.sentAt);
    },
    () => errors++,
    () => acked++,
  );
  try {
    await hooks.beforePublish?.();
    // Fixed load: publishers spread evenly over the clients (one per room when rooms are many).
    const stride = mode.kind === "saturate" ? 1 : Math.max(1, Math.floor(clients.length / mode.publishers));
    const publishers = clients
      .map((_, i) => i)
      .filter((i) => i % stride === 0)
      .slice(0, mode.kind === "saturate" ? clients.length : mode.publishers);
    const rate = mode.kind === "saturate" ? 15 : mode.ratePerPublisher;
    let sent = 0;
    const stopAt = nowMs() + durationMs + 1_000;
    publishers.forEach((client, p) => {
      publisherClient[p] = client;
      outstanding[p] = 0;
    });
    const loops = publishers.map(async (client, p) => {
      const socket = clients[client]!;
      const gap = 1000 / rate;
      let next = nowMs() + Math.random() * gap;
      for (let n = 0; nowMs() < stopAt && n < 100_000; n++) {
        const wait = next - nowMs();
        if (wait > 0) await sleep(wait);
        next = Math.max(next + gap, nowMs() - gap);
        if (socket.ws.readyState !== 1) break;
        if (mode.kind === "saturate" && (outstanding[p] ?? 0) > 0) continue;
        outstanding[p] = (outstanding[p] ?? 0) + 1;
        socket.send(rooms.frame(p, n, nowMs()));
        sent++;
      }
    });
    await sleep(1_000); // warm-up: connections settle, rooms wake
    measuring = true;
    const started = nowMs();
    await sleep(durationMs);
    measuring = false;
    const elapsed = (nowMs() - started) / 1000;
    await Promise.all(loops);
    for (let i = 0; i < 100 && outstanding.some((o) => o > 0); i++) await sleep(50); // drain, bounded
    await sleep(300);
    await hooks.afterPublish?.();
    return {
      delivered,
      perSecond: Math.round(delivered / elapsed),
      sent,
      acked,
      errors,
      latency: summarize(latencies),
    };
  } finally {
    await closeAll(clients);
  }
}

// Chat room fan-out benchmark against a running Plaza (PLAZA_URL, default :8787) started with
// the bench baselines on: `PLAZA_VARS_BENCH_ROUTES=on npm start`. Side by side in one run: Plaza's Room,
// a bare hibernating broadcast object (echo) and the same room in partyserver (party).
//
// For 1 room x 100 clients and 100 rooms x 5 clients it measures
// - saturation: every client publishes at up to 15 msg/s (under Plaza's per-socket limit of
//   20), skipping a beat while its socket still has unsent bytes; delivered messages/s and
//   publish-to-receive latency;
// - fixed load: 100 msg/s in total; latency percentiles;
// and the workerd RSS added by 1,000 idle connections (10 rooms x 100).
// Prints a table and a JSON document. Every loop is bounded in count and time.
import { type Delivery, baselineRooms, baselinesEnabled, benchUsers, type Layout, plazaRooms, type TargetName, type TargetRooms } from "./lib/room-targets.ts";
import { closeAll, type BenchSocket } from "./lib/sockets.ts";
import { mapLimit } from "./lib/plaza-api.ts";
import { serverWorkerdRss } from "./lib/processes.ts";
import { nowMs, printTable, sleep, summarize } from "./lib/stats.ts";

const base = process.env.PLAZA_URL ?? "http://127.0.0.1:8787";
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
// Optional filters for a quicker run: BENCH_TARGETS=plaza,echo BENCH_LAYOUTS=1x100 BENCH_MEMORY=off
const only = (name: string) => process.env[name]?.split(",").filter(Boolean);
const TARGETS = (only("BENCH_TARGETS") ?? ["plaza", "echo", "party"]) as TargetName[];
const ALL_LAYOUTS: Record<string, Layout> = { "1x100": { rooms: 1, clientsPerRoom: 100 }, "100x5": { rooms: 100, clientsPerRoom: 5 } };
const LAYOUTS = Object.fromEntries(Object.entries(ALL_LAYOUTS).filter(([name]) => only("BENCH_LAYOUTS")?.includes(name) ?? true));
const MODES = (only("BENCH_MODES") ?? ["saturate", "fixed"]) as ("saturate" | "fixed")[];

interface Client {
  room: number;
  index: number;
  socket: BenchSocket;
}

interface RunResult {
  delivered: number;
  perSecond: number;
  sent: number;
  errors: number;
  latency: ReturnType<typeof summarize>;
}

async function connectAll(rooms: TargetRooms, layout: Layout, onDelivery: (d: Delivery, client: number) => void, onError: () => void): Promise<Client[]> {
  const slots = Array.from({ length: layout.rooms * layout.clientsPerRoom }, (_, i) => ({ room: Math.floor(i / layout.clientsPerRoom), index: i % layout.clientsPerRoom }));
  return mapLimit(slots, 50, async ({ room, index }, i) => ({
    room,
    index,
    socket: await rooms.connect(room, index, (d) => onDelivery(d, i), onError),
  }));
}

/** Publishes from `publishers` for `durationMs` and measures every delivery in that window. */
async function measure(
  rooms: TargetRooms,
  layout: Layout,
  mode: { kind: "saturate" } | { kind: "fixed"; publishers: number; ratePerPublisher: number },
  durationMs: number,
): Promise<RunResult> {
  const latencies: number[] = [];
  let delivered = 0;
  let errors = 0;
  let measuring = false;
  // Publisher p is client publisherClient[p]; it has outstanding[p] messages it has not seen come back.
  const publisherClient: number[] = [];
  const outstanding: number[] = [];
  const clients = await connectAll(
    rooms,
    layout,
    (d, client) => {
      if (publisherClient[d.publisher] === client) outstanding[d.publisher] = Math.max(0, (outstanding[d.publisher] ?? 1) - 1);
      if (!measuring) return;
      delivered++;
      latencies.push(nowMs() - d.sentAt);
    },
    () => errors++,
  );
  // Fixed load: publishers spread evenly over the clients (one per room when rooms are many).
  const stride = mode.kind === "saturate" ? 1 : Math.max(1, Math.floor(clients.length / mode.publishers));
  const publishers = clients.filter((_, i) => i % stride === 0).slice(0, mode.kind === "saturate" ? clients.length : mode.publishers);
  const rate = mode.kind === "saturate" ? 15 : mode.ratePerPublisher;
  let sent = 0;
  const stopAt = nowMs() + durationMs + 1_000;
  publishers.forEach((c, p) => {
    publisherClient[p] = clients.indexOf(c);
    outstanding[p] = 0;
  });
  const loops = publishers.map(async (client, p) => {
    const gap = 1000 / rate;
    let next = nowMs() + Math.random() * gap;
    for (let n = 0; nowMs() < stopAt && n < 100_000; n++) {
      const wait = next - nowMs();
      if (wait > 0) await sleep(wait);
      next = Math.max(next + gap, nowMs() - gap);
      if (client.socket.ws.readyState !== 1) break;
      // Saturation is a closed loop: one message of each publisher in flight at a time, so
      // the server never builds a backlog that outlives the measurement.
      if (mode.kind === "saturate" && (outstanding[p] ?? 0) > 0) continue;
      outstanding[p] = (outstanding[p] ?? 0) + 1;
      client.socket.send(rooms.frame(p, n, nowMs()));
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
  await closeAll(clients.map((c) => c.socket));
  return { delivered, perSecond: Math.round(delivered / elapsed), sent, errors, latency: summarize(latencies) };
}

async function idleMemory(rooms: TargetRooms, port: number): Promise<number | undefined> {
  const layout = { rooms: 10, clientsPerRoom: 100 };
  const before = serverWorkerdRss(port);
  const clients = await connectAll(rooms, layout, () => {}, () => {});
  await sleep(3_000);
  const after = serverWorkerdRss(port);
  await closeAll(clients.map((c) => c.socket));
  await sleep(2_000);
  return before && after ? Math.round(((after.bytes - before.bytes) / 1_048_576) * 10) / 10 : undefined;
}

async function main(): Promise<void> {
  if (!(await baselinesEnabled(base))) {
    console.error(`The bench baselines are off at ${base}. Start Plaza with: PLAZA_VARS_BENCH_ROUTES=on npm start`);
    process.exit(2);
  }
  const port = Number(new URL(base).port || 80);
  console.log(`[bench] ${base}, ${seconds} s per measurement; registering bench users`);
  const users = await benchUsers(base, 100);
  const roomsFor = async (target: TargetName, layout: Layout) => (target === "plaza" ? plazaRooms(base, users, layout) : baselineRooms(base, target));
  const results: Record<string, unknown>[] = [];
  for (const [name, layout] of Object.entries(LAYOUTS)) {
    for (const kind of MODES) {
      for (const target of TARGETS) {
        // Fixed load is 100 msg/s in total: 10 x 10 msg/s in one room, 100 rooms x 1 msg/s.
        const mode = kind === "saturate" ? { kind } : { kind, publishers: layout.rooms === 1 ? 10 : 100, ratePerPublisher: layout.rooms === 1 ? 10 : 1 };
        console.log(`[bench] ${name} ${kind} ${target}`);
        const r = await measure(await roomsFor(target, layout), layout, mode, seconds * 1000);
        results.push({ layout: name, mode: kind, target, deliveredPerSec: r.perSecond, sent: r.sent, errors: r.errors, p50Ms: r.latency.p50, p99Ms: r.latency.p99, maxMs: r.latency.max });
      }
    }
  }
  const memory: Record<string, unknown>[] = [];
  for (const target of process.env.BENCH_MEMORY === "off" ? [] : TARGETS) {
    console.log(`[bench] memory ${target}`);
    const mb = await idleMemory(await roomsFor(target, { rooms: 10, clientsPerRoom: 100 }), port);
    memory.push({ target, mbPer1000IdleConnections: mb ?? "n/a" });
  }
  const rate = (layout: string, target: string) => results.find((r) => r.layout === layout && r.mode === "saturate" && r.target === target)?.deliveredPerSec as number;
  const checks = Object.keys(LAYOUTS).flatMap((layout) => [
    { check: `${layout}: plaza >= 0.8 x echo`, value: Math.round((rate(layout, "plaza") / rate(layout, "echo")) * 100) / 100, pass: rate(layout, "plaza") >= 0.8 * rate(layout, "echo") },
    { check: `${layout}: plaza >= party`, value: Math.round((rate(layout, "plaza") / rate(layout, "party")) * 100) / 100, pass: rate(layout, "plaza") >= rate(layout, "party") },
  ]);
  const fixedPlaza = results.find((r) => r.layout === "1x100" && r.mode === "fixed" && r.target === "plaza");
  checks.push({ check: "1x100 @100 msg/s: plaza p99 < 50 ms", value: fixedPlaza?.p99Ms as number, pass: (fixedPlaza?.p99Ms as number) < 50 });
  console.log("\nFan-out (delivered messages/s; latency publish -> receive, ms)\n");
  printTable(results as Record<string, string | number>[]);
  console.log("\nMemory (workerd RSS added by 1,000 idle connections)\n");
  printTable(memory as Record<string, string | number>[]);
  console.log("\nTargets\n");
  printTable(checks);
  console.log(`\n${JSON.stringify({ base, seconds, results, memory, checks }, null, 2)}`);
}

await main();
process.exit(0);

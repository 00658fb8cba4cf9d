// `npm run bench:rooms`: chat room fan-out, side by side in one run by one load generator:
// Plaza's Room, a bare hibernating broadcast object (echo) and the same room in partyserver
// (party), both reached through the /__bench/ routes (BENCH_ROUTES on), and two in-memory
// rooms on Node in their own processes: a Socket.IO 4 room (socketio) and a raw `ws`
// broadcast (ws), which ack and broadcast like Plaza but store nothing (lib/node-rooms/).
//   npm run bench:rooms     # starts its own npm start (free port, fresh state, BENCH_ROUTES on)
//   PLAZA_URL=... npm run bench:rooms   # or a running `npm start -- --var BENCH_ROUTES:on`
// For 1 room x 100 clients and 100 rooms x 5 clients (lib/room-fanout.ts):
// - saturate: every client publishes at up to 15 msg/s, one in flight; delivered messages/s;
// - fixed: 100 msg/s in total; publish -> receive latency percentiles;
// and the RSS the server's process tree adds for 1,000 idle connections (10 rooms x 100).
// Plaza's ratio to each baseline, and Plaza's billable units per message (rows written and
// read, object RPCs, queue messages: lib/usage.ts, read around each Plaza measurement).
// Filters for a quicker run: BENCH_TARGETS=plaza,echo,party,socketio,ws BENCH_LAYOUTS=1x100
// BENCH_MODES=fixed BENCH_MEMORY=off; BENCH_SECONDS (5) per measurement; BENCH_SETTLE_MS (8000)
// bounds the wait for Plaza's deferred work before the usage is read. Every loop is bounded in
// count and time.
import { mib, treeUsage } from "./lib/process-tree.ts";
import { describeLoad, emitJson, machine, recordTable } from "./lib/report.ts";
import { startNodeRoomServer, type NodeRoomKind, type NodeRoomServer } from "./lib/node-rooms/process.ts";
import { socketioRooms, wsRooms } from "./lib/node-rooms/targets.ts";
import { connectAll, fixedLoad, measureFanout } from "./lib/room-fanout.ts";
import {
  baselineRooms,
  baselinesEnabled,
  benchUsers,
  type Layout,
  plazaRooms,
  type TargetName,
  type TargetRooms,
} from "./lib/room-targets.ts";
import { benchServer, LOAD_TEST_LIMITS } from "./lib/server.ts";
import { closeAll } from "./lib/sockets.ts";
import { round, sleep } from "./lib/stats.ts";
import { type UsageWindow, usageMeter } from "./lib/usage.ts";

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const only = (name: string) => process.env[name]?.split(",").filter(Boolean);
const ALL_TARGETS: readonly TargetName[] = ["plaza", "echo", "party", "socketio", "ws"];
const TARGETS = (only("BENCH_TARGETS") ?? ALL_TARGETS) as TargetName[];
const unknownTarget = TARGETS.find((t) => !ALL_TARGETS.includes(t));
if (unknownTarget) throw new Error(`BENCH_TARGETS: no target ${unknownTarget} (${ALL_TARGETS.join(", ")})`);
const NODE_TARGETS = TARGETS.filter((t): t is NodeRoomKind => t === "socketio" || t === "ws");
const ALL_LAYOUTS: Record<string, Layout> = {
  "1x100": { rooms: 1, clientsPerRoom: 100 },
  "100x5": { rooms: 100, clientsPerRoom: 5 },
};
const LAYOUTS = Object.fromEntries(
  Object.entries(ALL_LAYOUTS).filter(([name]) => only("BENCH_LAYOUTS")?.includes(name) ?? true),
);
const MODES = (only("BENCH_MODES") ?? ["saturate", "fixed"]) as ("saturate" | "fixed")[];

/** RSS (MiB) the process tree of `pid` (the server) adds while 1,000 idle clients are connected. */
async function idleMemory(pid: number | undefined, rooms: TargetRooms): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  const layout = { rooms: 10, clientsPerRoom: 100 };
  await sleep(1_000);
  const before = await treeUsage(pid);
  const clients = await connectAll(
    rooms,
    layout,
    () => undefined,
    () => undefined,
  );
  await sleep(3_000);
  const after = await treeUsage(pid);
  await closeAll(clients);
  await sleep(2_000);
  return round(mib(after.rssBytes - before.rssBytes), 1);
}

/** Plaza's ratios to each baseline per layout: delivered/s when saturated, p99 at the fixed rate. */
function ratios(results: readonly Record<string, string | number>[]): Record<string, string | number>[] {
  const find = (layout: string, mode: string, target: string) =>
    results.find((r) => r.layout === layout && r.mode === mode && r.target === target);
  const ratio = (a: unknown, b: unknown) =>
    typeof a === "number" && typeof b === "number" && b > 0 ? round(a / b) : "-";
  return Object.keys(LAYOUTS).flatMap((layout) =>
    TARGETS.filter((t) => t !== "plaza").map((baseline) => ({
      layout,
      baseline,
      saturatedDeliveredRatio: ratio(
        find(layout, "saturate", "plaza")?.deliveredPerSec,
        find(layout, "saturate", baseline)?.deliveredPerSec,
      ),
      fixedP50Ratio: ratio(find(layout, "fixed", "plaza")?.p50Ms, find(layout, "fixed", baseline)?.p50Ms),
      fixedP99Ratio: ratio(find(layout, "fixed", "plaza")?.p99Ms, find(layout, "fixed", baseline)?.p99Ms),
    })),
  );
}

/** The targets (15) that this run measured. */
function checks(
  results: readonly Record<string, string | number>[],
  usage: readonly Record<string, string | number | boolean>[],
): Record<string, string | number | boolean>[] {
  const value = (layout: string, mode: string, target: string, key: string) => {
    const v = results.find((r) => r.layout === layout && r.mode === mode && r.target === target)?.[key];
    return typeof v === "number" ? v : undefined;
  };
  const out: Record<string, string | number | boolean>[] = [];
  const atLeast = (layout: string, baseline: TargetName, times: number) => {
    const plaza = value(layout, "saturate", "plaza", "deliveredPerSec");
    const other = value(layout, "saturate", baseline, "deliveredPerSec");
    if (plaza === undefined || other === undefined) return;
    out.push({
      check: `${layout}: plaza >= ${times} x ${baseline}`,
      value: round(plaza / other),
      pass: plaza >= times * other,
    });
  };
  atLeast("100x5", "echo", 0.8);
  atLeast("100x5", "party", 1);
  atLeast("1x100", "echo", 1.4);
  atLeast("1x100", "party", 1);
  atLeast("1x100", "socketio", 0.7);
  const fixed = (key: "p50Ms" | "p99Ms", limit: number) => {
    const v = value("1x100", "fixed", "plaza", key);
    if (v !== undefined) out.push({ check: `1x100 @100 msg/s: plaza ${key} < ${limit}`, value: v, pass: v < limit });
  };
  fixed("p99Ms", 50);
  fixed("p50Ms", 20);
  for (const [layout, limit] of [
    ["100x5", 6],
    ["1x100", 12],
  ] as const) {
    const rows = usage.find((u) => u.layout === layout && u.mode === "fixed")?.rowsWritten;
    if (typeof rows !== "number") continue;
    // Every message writes at least its log row: 0 means the server's meter is not counting.
    out.push({
      check: `${layout} @100 msg/s: rows written per message <= ${limit}`,
      value: rows > 0 ? rows : "0 (meter not counting)",
      pass: rows > 0 && rows <= limit,
    });
  }
  return out;
}

const server = await benchServer({ vars: { BENCH_ROUTES: "on" }, rateLimits: LOAD_TEST_LIMITS });
const nodeServers = new Map<NodeRoomKind, NodeRoomServer>();
try {
  const base = server.url;
  if (!(await baselinesEnabled(base)))
    throw new Error(`The bench baselines are off at ${base}: start Plaza with --var BENCH_ROUTES:on`);
  for (const kind of NODE_TARGETS) nodeServers.set(kind, await startNodeRoomServer(kind));
  const machineAtStart = machine();
  console.log(
    `[bench] ${base}, ${seconds} s per measurement; ${describeLoad(machineAtStart)}; registering bench users`,
  );
  const users = await benchUsers(base, 100);
  const nodeServer = (kind: NodeRoomKind) => nodeServers.get(kind)!;
  const roomsFor = (target: TargetName, layout: Layout): Promise<TargetRooms> => {
    if (target === "plaza") return plazaRooms(base, users, layout);
    if (target === "socketio") return Promise.resolve(socketioRooms(nodeServer(target).url));
    if (target === "ws") return Promise.resolve(wsRooms(nodeServer(target).url));
    return Promise.resolve(baselineRooms(base, target));
  };
  const pidFor = (target: TargetName) =>
    target === "socketio" || target === "ws" ? nodeServer(target).pid : server.pid;
  const results: Record<string, string | number>[] = [];
  const usage: Record<string, string | number | boolean>[] = [];
  const usageWindows: ({ layout: string; mode: string } & UsageWindow)[] = [];
  for (const [name, layout] of Object.entries(LAYOUTS)) {
    for (const kind of MODES) {
      for (const target of TARGETS) {
        console.log(`[bench] ${name} ${kind} ${target}`);
        // Plaza's billable units: totals read (settled) once its clients are connected and
        // again once its messages came back and the deferred work settled.
        const meter = target === "plaza" ? usageMeter(base) : undefined;
        const r = await measureFanout(
          await roomsFor(target, layout),
          layout,
          kind === "saturate" ? { kind } : fixedLoad(layout),
          seconds * 1000,
          meter ? { beforePublish: meter.start, afterPublish: meter.stop } : {},
        );
        results.push({
          layout: name,
          mode: kind,
          target,
          deliveredPerSec: r.perSecond,
          sent: r.sent,
          acked: r.acked,
          errors: r.errors,
          p50Ms: r.latency.p50,
          p99Ms: r.latency.p99,
          maxMs: r.latency.max,
        });
        // Per message Plaza accepted (acked); a refused send costs next to nothing.
        const window = meter?.result(r.acked);
        if (window) {
          usageWindows.push({ layout: name, mode: kind, ...window });
          usage.push({
            layout: name,
            mode: kind,
            ...window.perMessage,
            settledMs: window.settle.afterMs,
            quiet: window.settle.quiet,
          });
        }
      }
    }
  }
  const memory: Record<string, string | number>[] = [];
  for (const target of process.env.BENCH_MEMORY === "off" ? [] : TARGETS) {
    console.log(`[bench] memory ${target}`);
    const mb = await idleMemory(pidFor(target), await roomsFor(target, { rooms: 10, clientsPerRoom: 100 }));
    memory.push({ target, mibPer1000IdleConnections: mb ?? "n/a" });
  }
  const ratioRows = ratios(results);
  const checkRows = checks(results, usage);
  console.log("\nFan-out (delivered messages/s; latency publish -> receive, ms)\n");
  console.log(recordTable(results));
  if (ratioRows.length > 0) {
    console.log(
      "\nPlaza / baseline (delivered/s saturated: higher is better; latency at 100 msg/s: lower is better)\n",
    );
    console.log(recordTable(ratioRows));
  }
  if (TARGETS.includes("plaza")) {
    console.log(
      "\nBillable units per message, Plaza (rows: Durable Object SQLite + D1, per acked message; " +
        "quiet=false: the settle ran out, deferred work may be missing)\n",
    );
    console.log(usage.length > 0 ? recordTable(usage) : "(this server has no usage meter: GET /__bench/usage)");
  }
  if (memory.length > 0) {
    console.log("\nMemory (RSS the server adds for 1,000 idle connections; Node baselines: their own process)\n");
    console.log(recordTable(memory));
  }
  if (checkRows.length > 0) {
    console.log("\nTargets\n");
    console.log(recordTable(checkRows));
  }
  await emitJson("rooms", {
    url: base,
    server: server.kind,
    baselines: Object.fromEntries([...nodeServers].map(([kind, s]) => [kind, s.url])),
    seconds,
    results,
    ratios: ratioRows,
    usage,
    usageWindows,
    memory,
    checks: checkRows,
    machine: machineAtStart,
  });
} finally {
  for (const node of nodeServers.values()) await node.stop();
  await server.stop();
}
process.exit(0);

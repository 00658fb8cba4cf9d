// `npm run bench:rooms`: chat room fan-out, side by side in one run on one server: Plaza's
// Room, a bare hibernating broadcast object (echo) and the same room in partyserver (party),
// both reached through the /__bench/ routes (BENCH_ROUTES on).
//   npm run bench:rooms     # starts its own npm start (free port, fresh state, BENCH_ROUTES on)
//   PLAZA_URL=... npm run bench:rooms   # or a running `npm start -- --var BENCH_ROUTES:on`
// For 1 room x 100 clients and 100 rooms x 5 clients (lib/room-fanout.ts):
// - saturate: every client publishes at up to 15 msg/s, one in flight; delivered messages/s;
// - fixed: 100 msg/s in total; publish -> receive latency percentiles;
// and the RSS the server's process tree adds for 1,000 idle connections (10 rooms x 100).
// Filters for a quicker run: BENCH_TARGETS=plaza,echo BENCH_LAYOUTS=1x100 BENCH_MODES=fixed
// BENCH_MEMORY=off; BENCH_SECONDS (5) per measurement. Every loop is bounded in count and time.
import { mib, treeUsage } from "./lib/process-tree.ts";
import { describeLoad, emitJson, machine, recordTable } from "./lib/report.ts";
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
import { benchServer, type BenchServer, LOAD_TEST_LIMITS } from "./lib/server.ts";
import { closeAll } from "./lib/sockets.ts";
import { round, sleep } from "./lib/stats.ts";

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const only = (name: string) => process.env[name]?.split(",").filter(Boolean);
const TARGETS = (only("BENCH_TARGETS") ?? ["plaza", "echo", "party"]) as TargetName[];
const ALL_LAYOUTS: Record<string, Layout> = {
  "1x100": { rooms: 1, clientsPerRoom: 100 },
  "100x5": { rooms: 100, clientsPerRoom: 5 },
};
const LAYOUTS = Object.fromEntries(
  Object.entries(ALL_LAYOUTS).filter(([name]) => only("BENCH_LAYOUTS")?.includes(name) ?? true),
);
const MODES = (only("BENCH_MODES") ?? ["saturate", "fixed"]) as ("saturate" | "fixed")[];

/** RSS (MiB) the server's process tree adds while 1,000 idle clients are connected. */
async function idleMemory(server: BenchServer, rooms: TargetRooms): Promise<number | undefined> {
  if (server.pid === undefined) return undefined;
  const layout = { rooms: 10, clientsPerRoom: 100 };
  await sleep(1_000);
  const before = await treeUsage(server.pid);
  const clients = await connectAll(
    rooms,
    layout,
    () => undefined,
    () => undefined,
  );
  await sleep(3_000);
  const after = await treeUsage(server.pid);
  await closeAll(clients);
  await sleep(2_000);
  return round(mib(after.rssBytes - before.rssBytes), 1);
}

const server = await benchServer({ vars: { BENCH_ROUTES: "on" }, rateLimits: LOAD_TEST_LIMITS });
try {
  const base = server.url;
  if (!(await baselinesEnabled(base)))
    throw new Error(`The bench baselines are off at ${base}: start Plaza with --var BENCH_ROUTES:on`);
  const machineAtStart = machine();
  console.log(
    `[bench] ${base}, ${seconds} s per measurement; ${describeLoad(machineAtStart)}; registering bench users`,
  );
  const users = await benchUsers(base, 100);
  const roomsFor = (target: TargetName, layout: Layout) =>
    target === "plaza" ? plazaRooms(base, users, layout) : Promise.resolve(baselineRooms(base, target));
  const results: Record<string, string | number>[] = [];
  for (const [name, layout] of Object.entries(LAYOUTS)) {
    for (const kind of MODES) {
      for (const target of TARGETS) {
        console.log(`[bench] ${name} ${kind} ${target}`);
        const r = await measureFanout(
          await roomsFor(target, layout),
          layout,
          kind === "saturate" ? { kind } : fixedLoad(layout),
          seconds * 1000,
        );
        results.push({
          layout: name,
          mode: kind,
          target,
          deliveredPerSec: r.perSecond,
          sent: r.sent,
          errors: r.errors,
          p50Ms: r.latency.p50,
          p99Ms: r.latency.p99,
          maxMs: r.latency.max,
        });
      }
    }
  }
  const memory: Record<string, string | number>[] = [];
  for (const target of process.env.BENCH_MEMORY === "off" ? [] : TARGETS) {
    console.log(`[bench] memory ${target}`);
    const mb = await idleMemory(server, await roomsFor(target, { rooms: 10, clientsPerRoom: 100 }));
    memory.push({ target, mibPer1000IdleConnections: mb ?? "n/a" });
  }
  const rate = (layout: string, target: string) =>
    results.find((r) => r.layout === layout && r.mode === "saturate" && r.target === target)?.deliveredPerSec as number;
  const checks: Record<string, string | number | boolean>[] = Object.keys(LAYOUTS).flatMap((layout) => [
    {
      check: `${layout}: plaza >= 0.8 x echo`,
      value: round(rate(layout, "plaza") / rate(layout, "echo")),
      pass: rate(layout, "plaza") >= 0.8 * rate(layout, "echo"),
    },
    {
      check: `${layout}: plaza >= party`,
      value: round(rate(layout, "plaza") / rate(layout, "party")),
      pass: rate(layout, "plaza") >= rate(layout, "party"),
    },
  ]);
  const fixedPlaza = results.find((r) => r.layout === "1x100" && r.mode === "fixed" && r.target === "plaza");
  checks.push({
    check: "1x100 @100 msg/s: plaza p99 < 50 ms",
    value: fixedPlaza?.p99Ms as number,
    pass: (fixedPlaza?.p99Ms as number) < 50,
  });
  console.log("\nFan-out (delivered messages/s; latency publish -> receive, ms)\n");
  console.log(recordTable(results));
  console.log("\nMemory (RSS the server adds for 1,000 idle connections)\n");
  console.log(recordTable(memory));
  console.log("\nTargets\n");
  console.log(recordTable(checks));
  await emitJson("rooms", {
    url: base,
    server: server.kind,
    seconds,
    results,
    memory,
    checks,
    machine: machineAtStart,
  });
} finally {
  await server.stop();
}
process.exit(0);

// `npm run bench:serve`: `wrangler dev` vs `npm start` (Miniflare directly), side by side in
// one run. Both serve the same bundle (built once by wrangler), each from a fresh temporary
// state directory on a free port, one after the other, with the same vars (BENCH_ROUTES on,
// request logs off) and the same raised rate limits. Measured for each:
// - HTTP: GET /healthz, authenticated /v1/me, the bare route, a warm-cache post read (req/s,
//   latency, and the server's CPU ms per request over its whole process tree);
// - room fan-out, 1 room x 100 clients and 100 rooms x 5 clients, saturating (every client
//   publishes, as bench:rooms): deliveries/s and publish -> receive latency;
// - an idle-socket ramp to 5,000 sockets, all in ONE channel (50 users, 100 sockets each),
//   with memory (RSS of the server's process tree) at each step, a ping every socket must
//   answer, and one message to the channel that must reach all 5,000.
//   npm run bench:serve
// Tunables: BENCH_DURATION (5 s), BENCH_ROUNDS (2), BENCH_CONNECTIONS (50), BENCH_WARMUP (1 s),
// BENCH_FANOUT_SECONDS (5), BENCH_SOCKETS (5000).
import { ensureDevVars } from "../scripts/dev-vars.ts";
import { buildBundle } from "../scripts/serve/build.ts";
import { loadShapeFromEnv, measureHttpCases } from "./lib/http-load.ts";
import { idleSocketRamp } from "./lib/idle-ramp.ts";
import { preparePlazaHttpCases } from "./lib/plaza-http-cases.ts";
import { registerUsers } from "./lib/plaza.ts";
import { mib, treeUsage } from "./lib/process-tree.ts";
import { describeLoad, emitJson, machine } from "./lib/report.ts";
import { measureFanout } from "./lib/room-fanout.ts";
import { plazaBroadcastRoom, plazaRooms } from "./lib/room-targets.ts";
import { compare, type ServerRun, TARGETS } from "./lib/serve-compare.ts";
import { type BenchServer, LOAD_TEST_LIMITS, type ServeSetup, startNpmStart, startWranglerDev } from "./lib/server.ts";
import { sleep } from "./lib/stats.ts";

const shape = loadShapeFromEnv();
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const fanoutSeconds = Number(process.env.BENCH_FANOUT_SECONDS ?? 5);
const socketGoal = Math.min(Number(process.env.BENCH_SOCKETS ?? TARGETS.sockets), 10_000);
const FANOUTS = [
  { name: "fan-out 1 x 100", layout: { rooms: 1, clientsPerRoom: 100 } },
  { name: "fan-out 100 x 5", layout: { rooms: 100, clientsPerRoom: 5 } },
];
const RAMP_USERS = 50;

async function measureServer(server: BenchServer): Promise<ServerRun> {
  const base = server.url;
  console.log(`\n== ${server.kind} at ${base} (${describeLoad()})`);
  await sleep(2_000); // let it settle after starting
  const idleRssMiB = mib((await treeUsage(server.pid!)).rssBytes);
  const cpu = async () => (await treeUsage(server.pid!)).cpuMs;
  const users = await registerUsers(base, 100, "bsrv");
  const cases = await preparePlazaHttpCases(base, users[0]!);
  console.log(`HTTP: ${cases.length} cases x ${rounds} rounds`);
  const http = await measureHttpCases(base, cases, shape, rounds, cpu);

  const fanout: ServerRun["fanout"] = [];
  for (const f of FANOUTS) {
    console.log(`${f.name} (${describeLoad()})`);
    const rooms = await plazaRooms(base, users, f.layout);
    fanout.push({
      name: f.name,
      result: await measureFanout(rooms, f.layout, { kind: "saturate" }, fanoutSeconds * 1000),
    });
  }

  console.log(`idle-socket ramp to ${socketGoal} in one channel (${describeLoad()})`);
  const ramp = await idleSocketRamp(
    server,
    await plazaBroadcastRoom(base, users.slice(0, RAMP_USERS), socketGoal),
    socketGoal,
  );
  console.log(
    `  reached ${ramp.reached} sockets${ramp.failure ? ` (${ramp.failure})` : ""}; broadcast reached ${ramp.broadcast ?? "-"}`,
  );
  return { kind: server.kind, idleRssMiB, http, fanout, ramp };
}

const machineAtStart = machine();
const bundle = await buildBundle({ bench: true });
ensureDevVars();
const runs: ServerRun[] = [];
try {
  for (const start of [startWranglerDev, startNpmStart]) {
    const setup: ServeSetup & { bundle: string } = {
      bundle: bundle.entry,
      vars: { BENCH_ROUTES: "on" },
      rateLimits: LOAD_TEST_LIMITS,
    };
    const server = await start(setup);
    try {
      runs.push(await measureServer(server));
    } finally {
      await server.stop();
    }
  }
} finally {
  await bundle.remove();
}

const [dev, serve] = runs as [ServerRun, ServerRun];
const { text, verdicts } = compare(dev, serve);
console.log(`\n${text}`);
await emitJson("serve", {
  shape: { ...shape, rounds, fanoutSeconds, socketGoal },
  targets: TARGETS,
  runs,
  verdicts,
  machine: machineAtStart,
});

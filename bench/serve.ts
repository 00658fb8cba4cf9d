// `npm run bench:serve`: `wrangler dev` vs `npm start` (Miniflare directly), side by side in
// one run. Both serve the same bundle (built once by wrangler), each from a fresh state
// directory, one after the other, with the same vars (BENCH_ROUTES on, request logs off) and
// the same raised rate limits. Measured for each: HTTP (GET /healthz, authenticated /v1/me,
// the bare route, a cached post read once the feed exists), room fan-out (1 x 100, 100 x 5,
// once rooms exist), and an idle-socket ramp to 5,000 with memory (RSS of the server's whole
// process tree) at each step, a ping on every socket, and a broadcast once rooms exist.
// Tunables: BENCH_DURATION (5 s), BENCH_ROUNDS (2), BENCH_CONNECTIONS (50), BENCH_WARMUP (1 s),
// BENCH_FANOUT_SECONDS (10), BENCH_SOCKETS (5000).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ensureDevVars } from "../scripts/dev-vars.ts";
import { buildBundle } from "../scripts/serve/build.ts";
import { loadShapeFromEnv, measureHttpCases } from "./lib/http-load.ts";
import { idleSocketRamp, type RampTarget } from "./lib/idle-ramp.ts";
import { type PendingCase, preparePlazaHttpCases } from "./lib/plaza-http-cases.ts";
import { type BenchUser, registerUsers } from "./lib/bench-users.ts";
import { mib, treeUsage } from "./lib/process-tree.ts";
import { emitJson, machine } from "./lib/report.ts";
import { type FanoutResult, measureFanout, ROOMS_PENDING, roomBroadcastTarget } from "./lib/rooms.ts";
import { compare, type ServerRun, TARGETS } from "./lib/serve-report.ts";
import { type BenchServer, type ServeSetup, startNpmStart, startWranglerDev } from "./lib/servers.ts";

const shape = loadShapeFromEnv();
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const fanoutSeconds = Number(process.env.BENCH_FANOUT_SECONDS ?? 10);
const socketGoal = Math.min(Number(process.env.BENCH_SOCKETS ?? TARGETS.sockets), 10_000);
const FANOUTS = [
  { name: "fan-out 1 x 100", rooms: 1, clientsPerRoom: 100 },
  { name: "fan-out 100 x 5", rooms: 100, clientsPerRoom: 5 },
];
const INBOX_USERS = 50;

function inboxTarget(base: string, users: BenchUser[]): RampTarget {
  return {
    spec: (i) => ({ url: `${base.replace(/^http/, "ws")}/v1/inbox/ws`, protocols: ["plaza.v1", `bearer.${users[i % users.length]!.accessToken}`] }),
    ping: { frame: '{"type":"ping"}', answer: '{"type":"pong"}' },
    broadcastPending: `${ROOMS_PENDING} (the ramp holds inbox sockets meanwhile)`,
  };
}

async function measureServer(server: BenchServer): Promise<ServerRun> {
  const base = server.url;
  console.log(`\n== ${server.kind} at ${base}`);
  await new Promise((r) => setTimeout(r, 2_000)); // let it settle after starting
  const idleRssMiB = mib((await treeUsage(server.pid)).rssBytes);
  const cpu = async () => (await treeUsage(server.pid)).cpuMs;
  const [first] = await registerUsers(base, 1, "bsrv");
  const { cases, pending } = await preparePlazaHttpCases(base, first!);
  console.log(`HTTP: ${cases.length} cases x ${rounds} rounds`);
  const http = await measureHttpCases(base, cases, shape, rounds, cpu);

  const users = [first!, ...(await registerUsers(base, INBOX_USERS - 1, "bsrv"))];
  const roomsExist = (await roomBroadcastTarget(base, users.slice(0, 2))) !== undefined;
  const fanout: (FanoutResult | PendingCase)[] = [];
  if (roomsExist) users.push(...(await registerUsers(base, 100 - users.length, "bsrv")));
  for (const f of FANOUTS) {
    console.log(`${f.name}${roomsExist ? "" : ": pending"}`);
    fanout.push(roomsExist ? await measureFanout(base, users, f, fanoutSeconds) : { name: f.name, reason: ROOMS_PENDING });
  }

  console.log(`idle-socket ramp to ${socketGoal}`);
  const room = roomsExist ? await roomBroadcastTarget(base, users) : undefined;
  const target: RampTarget = room
    ? { spec: room.spec, ping: { frame: '{"type":"ping"}', answer: '{"type":"pong"}' }, broadcast: room.broadcast }
    : inboxTarget(base, users);
  const ramp = await idleSocketRamp(server, target, socketGoal);
  console.log(`  reached ${ramp.reached} sockets${ramp.failure ? ` (${ramp.failure})` : ""}`);
  return { kind: server.kind, idleRssMiB, http, pending, fanout, ramp };
}

const bundle = await buildBundle();
ensureDevVars();
const work = await mkdtemp(path.join(tmpdir(), "plaza-bench-serve-"));
const runs: ServerRun[] = [];
try {
  for (const [kind, start] of [
    ["wrangler dev", startWranglerDev],
    ["npm start", startNpmStart],
  ] as const) {
    const setup: ServeSetup = {
      bundle: bundle.entry,
      dir: await mkdtemp(path.join(work, kind.replace(" ", "-"))),
      vars: { BENCH_ROUTES: "on", LOG_LEVEL: "warn" },
      rateLimits: { AUTH_LIMITER: "1000000/60", WRITE_LIMITER: "1000000/60" },
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
  await rm(work, { recursive: true, force: true });
}

const [dev, serve] = runs as [ServerRun, ServerRun];
const { text, verdicts } = compare(dev, serve);
console.log(`\n${text}`);
await emitJson("serve", { benchmark: "serve", shape: { ...shape, rounds, fanoutSeconds, socketGoal }, targets: TARGETS, runs, verdicts, machine: machine() });

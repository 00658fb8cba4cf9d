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
import { type HttpResult, loadShapeFromEnv, measureHttpCases } from "./lib/http-load.ts";
import { idleSocketRamp, type RampResult, type RampTarget } from "./lib/idle-ramp.ts";
import { CASE, type PendingCase, preparePlazaHttpCases } from "./lib/plaza-http-cases.ts";
import { type BenchUser, registerUsers } from "./lib/plaza.ts";
import { emitJson, fmt, machine, table } from "./lib/report.ts";
import { type FanoutResult, measureFanout, ROOMS_PENDING, roomBroadcastTarget } from "./lib/rooms.ts";
import { type BenchServer, type ServeSetup, type ServerKind, startNpmStart, startWranglerDev } from "./lib/servers.ts";

const TARGETS = { httpRatio: 4, fanoutRatio: 1.3, sockets: 5_000, memoryRatio: 0.5 };
const shape = loadShapeFromEnv();
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const fanoutSeconds = Number(process.env.BENCH_FANOUT_SECONDS ?? 10);
const socketGoal = Math.min(Number(process.env.BENCH_SOCKETS ?? TARGETS.sockets), 10_000);
const FANOUTS = [
  { name: "fan-out 1 x 100", rooms: 1, clientsPerRoom: 100 },
  { name: "fan-out 100 x 5", rooms: 100, clientsPerRoom: 5 },
];
const INBOX_USERS = 50;

interface ServerRun {
  kind: ServerKind;
  http: HttpResult[];
  pending: PendingCase[];
  fanout: (FanoutResult | PendingCase)[];
  ramp: RampResult;
}

async function inboxTarget(base: string, users: BenchUser[]): Promise<RampTarget> {
  return {
    spec: (i) => ({ url: `${base.replace(/^http/, "ws")}/v1/inbox/ws`, protocols: ["plaza.v1", `bearer.${users[i % users.length]!.accessToken}`] }),
    ping: { frame: '{"type":"ping"}', answer: '{"type":"pong"}' },
    broadcastPending: `pending: ${ROOMS_PENDING} (the ramp holds inbox sockets meanwhile)`,
  };
}

async function measureServer(server: BenchServer): Promise<ServerRun> {
  const base = server.url;
  console.log(`\n== ${server.kind} at ${base}`);
  const [first] = await registerUsers(base, 1, "bsrv");
  const { cases, pending } = await preparePlazaHttpCases(base, first!);
  console.log(`HTTP: ${cases.length} cases x ${rounds} rounds`);
  const http = await measureHttpCases(base, cases, shape, rounds);

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
    : await inboxTarget(base, users);
  const ramp = await idleSocketRamp(server, target, socketGoal);
  console.log(`  reached ${ramp.reached} sockets${ramp.failure ? ` (${ramp.failure})` : ""}`);
  return { kind: server.kind, http, pending, fanout, ramp };
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
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : Number.NaN);
const rows: (string | number)[][] = [];
const verdicts: Record<string, boolean | "pending"> = {};

for (const name of serve.http.map((r) => r.name)) {
  const d = dev.http.find((r) => r.name === name);
  const s = serve.http.find((r) => r.name === name)!;
  const x = ratio(s.rps, d?.rps ?? Number.NaN);
  verdicts[`${name} >= ${TARGETS.httpRatio}x`] = x >= TARGETS.httpRatio;
  rows.push([`${name} req/s`, d?.rps ?? Number.NaN, s.rps, x, `>= ${TARGETS.httpRatio}x`]);
  rows.push([`${name} p50 / p99 ms`, `${fmt(d?.p50Ms ?? Number.NaN)} / ${fmt(d?.p99Ms ?? Number.NaN)}`, `${fmt(s.p50Ms)} / ${fmt(s.p99Ms)}`, "", ""]);
}
for (const p of serve.pending) {
  rows.push([p.name, "pending", "pending", "", `>= ${TARGETS.httpRatio}x`]);
  verdicts[`${p.name} >= ${TARGETS.httpRatio}x`] = "pending";
}
for (const [i, f] of serve.fanout.entries()) {
  const d = dev.fanout[i]!;
  if ("reason" in f || "reason" in d) {
    rows.push([`${f.name} deliveries/s`, "pending", "pending", "", `>= ${TARGETS.fanoutRatio}x`]);
    verdicts[`${f.name} >= ${TARGETS.fanoutRatio}x`] = "pending";
  } else {
    const x = ratio(f.deliveriesPerSec, d.deliveriesPerSec);
    rows.push([`${f.name} deliveries/s`, d.deliveriesPerSec, f.deliveriesPerSec, x, `>= ${TARGETS.fanoutRatio}x`]);
    verdicts[`${f.name} >= ${TARGETS.fanoutRatio}x`] = x >= TARGETS.fanoutRatio;
  }
}
const held = (r: RampResult) => `${r.reached}${r.failure ? " (failed)" : ""}, ${r.answeredPing} answered ping`;
rows.push([`idle sockets held (goal ${socketGoal})`, held(dev.ramp), held(serve.ramp), "", `${TARGETS.sockets} held`]);
verdicts[`${TARGETS.sockets} idle sockets held`] = serve.ramp.reached >= TARGETS.sockets && serve.ramp.answeredPing >= TARGETS.sockets;
rows.push(["broadcast reached", String(dev.ramp.broadcast), String(serve.ramp.broadcast), "", "all of them"]);
verdicts["broadcast reaches all"] = typeof serve.ramp.broadcast === "number" ? serve.ramp.broadcast >= serve.ramp.reached : "pending";
rows.push(["RSS before the ramp MiB", dev.ramp.steps[0]?.rssMiB ?? Number.NaN, serve.ramp.steps[0]?.rssMiB ?? Number.NaN, ratio(serve.ramp.steps[0]?.rssMiB ?? Number.NaN, dev.ramp.steps[0]?.rssMiB ?? Number.NaN), ""]);
const memRatio = ratio(serve.ramp.mibPer1000, dev.ramp.mibPer1000);
rows.push(["MiB per 1,000 idle sockets", dev.ramp.mibPer1000, serve.ramp.mibPer1000, memRatio, `<= ${TARGETS.memoryRatio}x`]);
verdicts[`memory per 1,000 sockets <= ${TARGETS.memoryRatio}x`] = memRatio <= TARGETS.memoryRatio;

console.log(`\n${table(["metric", "wrangler dev", "npm start", "ratio", "target"], rows)}`);
console.log("\nramp (sockets: RSS MiB):");
for (const run of runs) console.log(`  ${run.kind}: ${run.ramp.steps.map((s) => `${s.sockets}: ${fmt(s.rssMiB)}`).join(", ")}`);
console.log("\ntargets:");
for (const [what, ok] of Object.entries(verdicts)) console.log(`  ${ok === "pending" ? "pending" : ok ? "met    " : "NOT met"}  ${what}`);

await emitJson("serve", { benchmark: "serve", shape: { ...shape, rounds, fanoutSeconds, socketGoal }, targets: TARGETS, runs, verdicts, machine: machine() });

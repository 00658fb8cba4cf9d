// `npm run bench:http`: HTTP cost of Plaza against a running server (PLAZA_URL, default
// http://127.0.0.1:8787). Side by side in one run: GET /healthz, authenticated GET /v1/me, and
// the bare /__bench/json route answering /v1/me's exact bytes from the same process, so the
// ratio is Plaza's own overhead (routing, middleware, JWT, deny-list). Plus login latency,
// which is the password hashing cost. Needs BENCH_ROUTES=on:
//   PLAZA_VARS_BENCH_ROUTES=on npm start      # then, in another terminal:
//   npm run bench:http
// Tunables: BENCH_CONNECTIONS (50), BENCH_DURATION (5 s), BENCH_WARMUP (1 s), BENCH_ROUNDS (3), BENCH_LOGINS (20).
import { loadShapeFromEnv, measureHttpCases } from "./lib/http-load.ts";
import { CASE, preparePlazaHttpCases } from "./lib/plaza-http-cases.ts";
import { percentile, registerUsers, timeLogin } from "./lib/bench-users.ts";
import { emitJson, fmt, machine, table } from "./lib/report.ts";

const TARGET_ME_VS_BARE = 0.7;
const base = (process.env.PLAZA_URL ?? "http://127.0.0.1:8787").replace(/\/$/, "");
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const loginCount = Math.min(Number(process.env.BENCH_LOGINS ?? 20), 60);
const shape = loadShapeFromEnv();

const health = await fetch(`${base}/healthz`).catch(() => undefined);
if (!health?.ok) {
  console.error(`No Plaza at ${base} (start one with \`PLAZA_VARS_BENCH_ROUTES=on npm start\`, or set PLAZA_URL).`);
  process.exit(1);
}

// Logins are limited per username (20 a minute): spread them over a few users.
const users = await registerUsers(base, Math.ceil(loginCount / 10) + 1, "bhttp");
const { cases, pending } = await preparePlazaHttpCases(base, users[0]!);
console.log(
  `bench:http against ${base}: ${cases.length} cases x ${rounds} rounds, ${shape.connections} connections, ${shape.durationSec} s each (+${shape.warmupSec} s warm-up)\n`,
);
const results = await measureHttpCases(base, cases, shape, rounds);

const loginMs: number[] = [];
for (let i = 0; i < loginCount; i++) loginMs.push(await timeLogin(base, users[1 + (i % (users.length - 1))]!));

const byName = new Map(results.map((r) => [r.name, r]));
const rps = (name: string) => byName.get(name)?.rps ?? Number.NaN;
const ratios = {
  meVsBare: rps(CASE.me) / rps(CASE.bare),
  healthVsBare: rps(CASE.health) / rps(CASE.bare),
};
const login = { count: loginMs.length, p50Ms: percentile(loginMs, 50), p99Ms: percentile(loginMs, 99) };

console.log(table(["case", "req/s", "p50 ms", "p99 ms", "requests", "failures"], results.map((r) => [r.name, r.rps, r.p50Ms, r.p99Ms, r.requests, r.failures])));
for (const p of pending) console.log(`${p.name}: pending (${p.reason})`);
console.log(`\n/v1/me vs bare route: ${fmt(ratios.meVsBare)}x (target >= ${TARGET_ME_VS_BARE}x: ${ratios.meVsBare >= TARGET_ME_VS_BARE ? "met" : "NOT met"})`);
console.log(`/healthz vs bare route: ${fmt(ratios.healthVsBare)}x`);
console.log(`login (PBKDF2-SHA256 hashing): p50 ${fmt(login.p50Ms)} ms, p99 ${fmt(login.p99Ms)} ms over ${login.count} sequential logins`);

await emitJson("http", {
  benchmark: "http",
  url: base,
  shape: { ...shape, rounds },
  results,
  pending,
  ratios,
  targets: { meVsBare: TARGET_ME_VS_BARE, met: ratios.meVsBare >= TARGET_ME_VS_BARE },
  login,
  machine: machine(),
});

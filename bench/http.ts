// `npm run bench:http`: HTTP cost of Plaza. Side by side in one run on one server: GET
// /healthz, authenticated GET /v1/me, the bare /__bench/json route answering /v1/me's exact
// bytes from the same process (so the ratio is Plaza's own overhead: routing, middleware, JWT,
// deny-list), and a post read from the warm cache. Plus login latency, which is the password
// hashing cost.
//   npm run bench:http      # starts its own npm start (free port, fresh state, BENCH_ROUTES on)
//   PLAZA_URL=http://127.0.0.1:8787 npm run bench:http   # or a running `npm start -- --var BENCH_ROUTES:on --log-level warn`
// Tunables: BENCH_CONNECTIONS (50), BENCH_DURATION (5 s), BENCH_WARMUP (1 s), BENCH_ROUNDS (3), BENCH_LOGINS (20).
import { loadShapeFromEnv, measureHttpCases } from "./lib/http-load.ts";
import { CASE, preparePlazaHttpCases } from "./lib/plaza-http-cases.ts";
import { registerUsers, timeLogin } from "./lib/plaza.ts";
import { describeLoad, emitJson, fmt, machine, table } from "./lib/report.ts";
import { benchServer, LOAD_TEST_LIMITS } from "./lib/server.ts";
import { percentile, round } from "./lib/stats.ts";

const TARGET_ME_VS_BARE = 0.7;
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const loginCount = Math.min(Number(process.env.BENCH_LOGINS ?? 20), 60);
const shape = loadShapeFromEnv();

const server = await benchServer({ vars: { BENCH_ROUTES: "on" }, rateLimits: LOAD_TEST_LIMITS });
try {
  const base = server.url;
  const machineAtStart = machine();
  // Logins are limited per username (20 a minute): spread them over a few users.
  const users = await registerUsers(base, Math.ceil(loginCount / 10) + 1, "bhttp");
  const cases = await preparePlazaHttpCases(base, users[0]!);
  console.log(
    `bench:http against ${base}: ${cases.length} cases x ${rounds} rounds, ${shape.connections} connections, ${shape.durationSec} s each (+${shape.warmupSec} s warm-up); ${describeLoad(machineAtStart)}\n`,
  );
  const results = await measureHttpCases(base, cases, shape, rounds);
  const loginMs: number[] = [];
  for (let i = 0; i < loginCount; i++) loginMs.push(await timeLogin(base, users[1 + (i % (users.length - 1))]!));

  const rps = (name: string) => results.find((r) => r.name === name)?.rps ?? Number.NaN;
  const ratios = {
    meVsBare: round(rps(CASE.me) / rps(CASE.bare)),
    postVsBare: round(rps(CASE.post) / rps(CASE.bare)),
    healthVsBare: round(rps(CASE.health) / rps(CASE.bare)),
  };
  const login = { count: loginMs.length, p50Ms: round(percentile(loginMs, 50)), p99Ms: round(percentile(loginMs, 99)) };

  console.log(
    table(
      ["case", "req/s", "p50 ms", "p99 ms", "requests", "failures"],
      results.map((r) => [r.name, r.rps, r.p50Ms, r.p99Ms, r.requests, r.failures]),
    ),
  );
  console.log(
    `\n/v1/me vs bare route: ${fmt(ratios.meVsBare)}x (target >= ${TARGET_ME_VS_BARE}x: ${ratios.meVsBare >= TARGET_ME_VS_BARE ? "met" : "NOT met"})`,
  );
  console.log(
    `/v1/posts/:id (warm cache) vs bare route: ${fmt(ratios.postVsBare)}x; /healthz vs bare route: ${fmt(ratios.healthVsBare)}x`,
  );
  console.log(
    `login (PBKDF2-SHA256 hashing): p50 ${fmt(login.p50Ms)} ms, p99 ${fmt(login.p99Ms)} ms over ${login.count} sequential logins`,
  );
  await emitJson("http", {
    url: base,
    server: server.kind,
    shape: { ...shape, rounds },
    results,
    ratios,
    targets: { meVsBare: TARGET_ME_VS_BARE, met: ratios.meVsBare >= TARGET_ME_VS_BARE },
    login,
    machine: machineAtStart,
  });
} finally {
  await server.stop();
}

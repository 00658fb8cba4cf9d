// `npm run bench:feed`: the feed. Side by side in one run on one server, printed as a table and JSON:
//   1. GET /v1/posts/:id with a warm cache vs the bare /__bench/json route (same JSON, same
//      process), with autocannon as bench:http, rounds interleaved
//   2. 10,000 likes from 1,000 users on 10 posts, 10% repeated: accepted likes/s, and whether
//      and when every count converges to the exact number of likers after the queue drains
//   3. hot-list refresh over 100,000 posts (seeded in bulk by /__bench/feed/seed)
//   npm run bench:feed     # starts its own npm start (free port, fresh state, BENCH_ROUTES on)
//   PLAZA_URL=... npm run bench:feed   # or a running `npm start -- --var BENCH_ROUTES:on`
// Tunables: BENCH_USERS (1000), BENCH_LIKES (10000), BENCH_HOT_POSTS (100000),
// BENCH_CONCURRENCY (32 connections), reads: BENCH_DURATION (5 s), BENCH_WARMUP (1 s), BENCH_ROUNDS (3).
import { GRAVITY, hotScore, TopK, type Scored } from "../src/lib/hot-score.ts";
import { runLoad } from "./lib/closed-loop.ts";
import { type HttpCase, loadShapeFromEnv, measureHttpCases } from "./lib/http-load.ts";
import { syntheticIp } from "./lib/plaza.ts";
import { describeLoad, emitJson, machine, table } from "./lib/report.ts";
import { benchServer, LOAD_TEST_LIMITS } from "./lib/server.ts";
import { median, shuffle } from "./lib/stats.ts";

const server = await benchServer({ vars: { BENCH_ROUTES: "on" }, rateLimits: LOAD_TEST_LIMITS });
const BASE = server.url;
const USERS = Number(process.env.BENCH_USERS ?? 1_000);
const POSTS = 10;
const LIKES = Number(process.env.BENCH_LIKES ?? 10_000);
const REPEAT_SHARE = 0.1;
const READ_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const HOT_POSTS = Number(process.env.BENCH_HOT_POSTS ?? 100_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const PASSWORD = "bench-password-123";

interface Session {
  accessToken: string;
  user: { id: string };
}

async function api(path: string, init: RequestInit & { token?: string; ip?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("Authorization", `Bearer ${init.token}`);
  if (init.ip) headers.set("CF-Connecting-IP", init.ip);
  if (typeof init.body === "string") headers.set("Content-Type", "application/json");
  return fetch(`${BASE}${path}`, { ...init, headers });
}

async function session(username: string): Promise<Session> {
  const body = JSON.stringify({ username, password: PASSWORD });
  const login = await api("/v1/auth/login", { method: "POST", body, ip: syntheticIp() });
  if (login.ok) return (await login.json()) as Session;
  const reg = await api("/v1/auth/register", { method: "POST", body, ip: syntheticIp() });
  if (!reg.ok) throw new Error(`register ${username}: ${reg.status} ${await reg.text()}`);
  return (await reg.json()) as Session;
}

async function checkBenchRoutes(): Promise<void> {
  const res = await api("/__bench/json").catch(() => undefined);
  if (!res?.ok) {
    throw new Error(`${BASE}/__bench/json is not answering: start Plaza with --var BENCH_ROUTES:on`);
  }
}

async function createPost(author: Session, content: string): Promise<string> {
  const res = await api("/v1/posts", { method: "POST", token: author.accessToken, body: JSON.stringify({ content }) });
  if (res.status !== 201) throw new Error(`create post: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

// ---------------------------------------------------------------- 1. cached reads

async function benchReads(author: Session) {
  const postId = await createPost(author, "bench: a post read through the cache ".repeat(8));
  const body = await (await api(`/v1/posts/${postId}`)).text();
  const isHit = async (token?: string) =>
    (await api(`/v1/posts/${postId}`, token ? { token } : {})).headers.get("X-Cache") === "HIT";
  for (let i = 0; i < 50 && !(await isHit()); i++) await new Promise((r) => setTimeout(r, 100));
  await api("/__bench/json", { method: "POST", body });
  const cases: HttpCase[] = [
    { name: "bare", path: "/__bench/json" },
    { name: "anonymous", path: `/v1/posts/${postId}` },
    { name: "authenticated", path: `/v1/posts/${postId}`, headers: { Authorization: `Bearer ${author.accessToken}` } },
  ];
  // autocannon sees no headers: the cache is checked before and after the measured rounds (nothing edits the post meanwhile).
  const hitBefore = (await isHit()) && (await isHit(author.accessToken));
  const results = await measureHttpCases(BASE, cases, { ...loadShapeFromEnv(), connections: CONCURRENCY }, READ_ROUNDS);
  const hitAfter = (await isHit()) && (await isHit(author.accessToken));
  // D1 statements per warm read, as the Worker counts them (Plaza-D1-Queries), over 50 reads each.
  const d1PerRead = async (token?: string) => {
    let total = 0;
    for (let i = 0; i < 50; i++) {
      const res = await api(`/v1/posts/${postId}`, token ? { token } : {});
      await res.arrayBuffer();
      total += Number(res.headers.get("Plaza-D1-Queries") ?? Number.NaN);
    }
    return total / 50;
  };
  const d1QueriesPerWarmRead = { anonymous: await d1PerRead(), authenticated: await d1PerRead(author.accessToken) };
  const summary = (name: string) => {
    const r = results.find((x) => x.name === name)!;
    return { perSecond: r.rps, p50Ms: r.p50Ms, p99Ms: r.p99Ms, failed: r.failures };
  };
  return {
    bare: summary("bare"),
    anonymous: summary("anonymous"),
    authenticated: summary("authenticated"),
    hitBeforeAndAfter: hitBefore && hitAfter,
    d1QueriesPerWarmRead,
  };
}

// ---------------------------------------------------------------- 2. likes

async function benchLikes(author: Session, users: Session[]) {
  const postIds: string[] = [];
  for (let p = 0; p < POSTS; p++) postIds.push(await createPost(author, `bench: like target ${p}`));
  const allPairs = shuffle(users.flatMap((_, u) => postIds.map((_, p) => [u, p] as const)));
  const uniqueCount = Math.min(allPairs.length, Math.round(LIKES * (1 - REPEAT_SHARE)));
  const unique = allPairs.slice(0, uniqueCount);
  const repeats = Array.from({ length: LIKES - uniqueCount }, () => unique[Math.floor(Math.random() * unique.length)]!);
  const requests = shuffle([...unique, ...repeats]);
  const expected = postIds.map((_, p) => unique.filter(([, q]) => q === p).length);

  const load = await runLoad({
    total: requests.length,
    concurrency: CONCURRENCY,
    maxSeconds: 300,
    fire: async (i) => {
      const [u, p] = requests[i]!;
      const res = await api(`/v1/posts/${postIds[p]}/like`, { method: "POST", token: users[u]!.accessToken });
      const answer = res.ok
        ? ((await res.json()) as { liked?: boolean })
        : await res.arrayBuffer().then((): { liked?: boolean } => ({}));
      return res.status === 200 && answer.liked === true;
    },
  });
  const lastLikeAt = load.endedAt;
  let counts: number[] = [];
  let convergedAt: number | undefined;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    counts = await Promise.all(
      postIds.map(
        async (id) => ((await (await api(`/v1/posts/${id}`)).json()) as { stats: { likes: number } }).stats.likes,
      ),
    );
    if (counts.every((c, p) => c === expected[p])) {
      convergedAt = Date.now();
      break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    requests: load.requests,
    accepted: load.ok,
    rejected: load.failed,
    likesPerSecond: load.ok / load.seconds,
    p50Ms: load.p50Ms,
    p99Ms: load.p99Ms,
    uniqueLikes: uniqueCount,
    repeatedRequests: requests.length - uniqueCount,
    lost: counts.reduce((n, c, p) => n + Math.max(0, expected[p]! - c), 0),
    doubleCounted: counts.reduce((n, c, p) => n + Math.max(0, c - expected[p]!), 0),
    convergeSeconds: convergedAt === undefined ? null : (convergedAt - lastLikeAt) / 1000,
  };
}

// ---------------------------------------------------------------- 3. hot list

/** The refresh's own computation (score + top-k over every row), on this machine's CPU. */
function scoringCpuMs(rows: number): number {
  const now = Date.now();
  const data = Array.from({ length: rows }, (_, i) => ({
    id: `${i}`.padStart(12, "0"),
    createdAt: now - Math.random() * 168 * 3_600_000,
    likes: Math.floor(Math.random() * 200),
    comments: Math.floor(Math.random() * 40),
    views: Math.floor(Math.random() * 5_000),
  }));
  const samples: number[] = [];
  for (let run = 0; run < 5; run++) {
    const before = process.cpuUsage();
    const top = new TopK<Scored>(100);
    for (const row of data) top.offer({ id: row.id, score: hotScore(row, now - row.createdAt) });
    top.sorted();
    const used = process.cpuUsage(before);
    samples.push((used.user + used.system) / 1000);
  }
  return median(samples);
}

async function benchHotList(author: Session) {
  const post = async (path: string, body: unknown) => {
    const res = await api(path, { method: "POST", body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, number>;
  };
  const seeded = await post("/__bench/feed/seed", { authorId: author.user.id, count: HOT_POSTS, windowHours: 168 });
  const refreshes = [];
  for (let i = 0; i < 3; i++) refreshes.push(await post("/__bench/feed/refresh", {}));
  const cleanup = await post("/__bench/feed/cleanup", { authorId: author.user.id });
  return {
    posts: HOT_POSTS,
    seedMs: seeded.seedMs!,
    scanned: refreshes[0]!.scanned!,
    refreshWallMs: median(refreshes.map((r) => r.wallMs!)),
    scoringCpuMs: scoringCpuMs(HOT_POSTS),
    cleanedUp: cleanup.deleted!,
  };
}

// ---------------------------------------------------------------- main

try {
  await checkBenchRoutes();
  const started = Date.now();
  const machineAtStart = machine();
  const author = await session(`fbench_author`);
  console.error(`[bench] ${BASE}: signing in ${USERS} users...`);
  const users: Session[] = [];
  for (let i = 0; i < USERS; i += 16) {
    const batch = Array.from({ length: Math.min(16, USERS - i) }, (_, k) =>
      session(`fbench_${String(i + k).padStart(4, "0")}`),
    );
    users.push(...(await Promise.all(batch)));
  }
  console.error("[bench] reads...");
  const reads = await benchReads(author);
  console.error("[bench] likes...");
  const likes = await benchLikes(author, users);
  console.error("[bench] hot list...");
  const hot = await benchHotList(author);

  const ratio = (x: number) => `${(x / reads.bare.perSecond).toFixed(2)}x`;
  console.log(
    `\nFeed benchmark against ${BASE} (concurrency ${CONCURRENCY}; ${new Date().toISOString()}; at start ${describeLoad(machineAtStart)})\n`,
  );
  console.log(
    table(
      ["measure", "value", "p50 ms", "p99 ms", "vs baseline", "target"],
      [
        [
          "bare GET /__bench/json (baseline)",
          `${reads.bare.perSecond.toFixed(0)} req/s`,
          reads.bare.p50Ms,
          reads.bare.p99Ms,
          "1.00x",
          "",
        ],
        [
          "GET /v1/posts/:id warm, anonymous",
          `${reads.anonymous.perSecond.toFixed(0)} req/s`,
          reads.anonymous.p50Ms,
          reads.anonymous.p99Ms,
          ratio(reads.anonymous.perSecond),
          ">= 0.8x",
        ],
        [
          "GET /v1/posts/:id warm, with token",
          `${reads.authenticated.perSecond.toFixed(0)} req/s`,
          reads.authenticated.p50Ms,
          reads.authenticated.p99Ms,
          ratio(reads.authenticated.perSecond),
          ">= 0.8x",
        ],
        ["cache HIT before and after the reads", reads.hitBeforeAndAfter ? "yes" : "NO", "", "", "", "yes"],
        [
          "D1 queries per warm read (anonymous / with token)",
          `${reads.d1QueriesPerWarmRead.anonymous} / ${reads.d1QueriesPerWarmRead.authenticated}`,
          "",
          "",
          "",
          "0 / 0",
        ],
        [
          `likes accepted (${likes.requests} req, ${likes.repeatedRequests} repeats)`,
          `${likes.likesPerSecond.toFixed(0)} likes/s`,
          likes.p50Ms,
          likes.p99Ms,
          ratio(likes.likesPerSecond),
          "",
        ],
        ["likes rejected (non-200)", likes.rejected, "", "", "", "0"],
        ["counts lost / double-counted", `${likes.lost} / ${likes.doubleCounted}`, "", "", "", "0 / 0"],
        [
          "counts exact after last like",
          likes.convergeSeconds === null ? "not within 60 s" : `${likes.convergeSeconds.toFixed(1)} s`,
          "",
          "",
          "",
          "<= 10 s",
        ],
        [`hot-list refresh, ${hot.posts} posts (wall, incl. D1)`, `${hot.refreshWallMs} ms`, "", "", "", "<< 30 s CPU"],
        [
          `hot-list scoring CPU, ${hot.posts} rows (Node, same code)`,
          `${hot.scoringCpuMs.toFixed(1)} ms`,
          "",
          "",
          "",
          "<< 30 s CPU",
        ],
      ],
    ),
  );
  console.log(
    `\n(hot list: scanned ${hot.scanned} engaged posts; gravity ${GRAVITY}; bulk seed took ${hot.seedMs} ms; ${hot.cleanedUp} bench posts removed afterwards; run took ${((Date.now() - started) / 1000).toFixed(0)} s)`,
  );
  await emitJson("feed", {
    url: BASE,
    server: server.kind,
    concurrency: CONCURRENCY,
    reads,
    likes,
    hot,
    machine: machineAtStart,
  });
} finally {
  await server.stop();
}

// `npm run bench:tasks`: task dispatch, side by side with calling the same reference backends
// directly in the same run:
// 1. latency: submit -> running and running -> first output (p50/p99), vs direct time to first token;
// 2. a burst of BENCH_TASKS llm.chat tasks against BENCH_BACKENDS backends of capacity BENCH_CAPACITY:
//    throughput, max concurrency seen AT each backend, lost and duplicated jobs; vs the same
//    number of direct streaming requests at the same total concurrency.
// Starts its own backends (free ports), registers them with the operator token, drains the
// others meanwhile and restores them. Bounded in count and time.
//   npm run bench:tasks     # starts its own npm start (free port, fresh state)
//   PLAZA_URL=... npm run bench:tasks   # or a running npm start (BACKEND_TOKEN from .dev.vars)
// Tunables: BENCH_TASKS (1000), BENCH_BACKENDS (4), BENCH_CAPACITY (8), BENCH_TOKENS (16),
// BENCH_TOKEN_MS (10), BENCH_LATENCY_SAMPLES (40), BENCH_TIMEOUT_MS (540000).
import { type BackendStats, backendStats, resetStats, startBackends, stopBackends } from "./lib/backends.ts";
import { type BenchUser, call, operatorToken, registerUsers } from "./lib/plaza.ts";
import { cpuByCommand, treeUsage } from "./lib/process-tree.ts";
import { describeLoad, emitJson, machine, table } from "./lib/report.ts";
import { benchServer, type BenchServer, LOAD_TEST_LIMITS } from "./lib/server.ts";
import { mapLimit as pool, summarize, type Summary } from "./lib/stats.ts";

const TASKS = Number(process.env.BENCH_TASKS ?? 1000);
const BACKENDS = Number(process.env.BENCH_BACKENDS ?? 4);
const CAPACITY = Number(process.env.BENCH_CAPACITY ?? 8);
const MAX_TOKENS = Number(process.env.BENCH_TOKENS ?? 16);
const TOKEN_MS = Number(process.env.BENCH_TOKEN_MS ?? 10);
const SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 40);
const PER_USER = 10; // TASK_MAX_ACTIVE_PER_USER default
const DEADLINE_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 540_000);
const started = Date.now();
const timeLeft = () => DEADLINE_MS - (Date.now() - started);
let server: BenchServer;
let PLAZA_URL = "";
/** The old call shape of this script: method, path, token, body; throws on a non-2xx status. */
const api = <T>(method: string, pathname: string, token: string | undefined, body?: unknown) =>
  call<T>(PLAZA_URL, pathname, { method, ...(token ? { token } : {}), ...(body !== undefined ? { body } : {}) });
const printTable = (title: string, header: string[], rows: (string | number)[][]) =>
  console.log(`\n${title}\n${table(header, rows)}`);

interface TaskView {
  id: string;
  status: string;
  attempts: number;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
}

const messages = (i: number) => [{ role: "user", content: `benchmark prompt number ${i}` }];

/** One streaming completion straight to a backend: time to first token and total. */
async function direct(url: string, i: number): Promise<{ ttft: number; total: number }> {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Plaza-Job-Id": `direct-${started}-${i}` },
    body: JSON.stringify({ model: "plaza-echo-1", messages: messages(i), max_tokens: MAX_TOKENS, stream: true }),
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let ttft = Number.NaN;
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (Number.isNaN(ttft) && /"delta":\{"content":"[^"]/.test(text)) ttft = performance.now() - t0;
  }
  return { ttft, total: performance.now() - t0 };
}

interface EventFrame {
  type: string;
  at?: string;
  event?: { kind: string; status?: string };
}

/** Runs one task, watching its socket; latencies from the server's event times (same machine clock). */
async function sampleTask(
  user: BenchUser,
  i: number,
): Promise<{ toRunning: number; toFirstOutput: number; submitToFirstOutput: number }> {
  const task = await api<TaskView>("POST", "/v1/tasks", user.token, {
    type: "llm.chat",
    input: { messages: messages(i), maxTokens: MAX_TOKENS },
  });
  const ws = new WebSocket(`${PLAZA_URL.replace(/^http/, "ws")}/v1/tasks/${task.id}/ws`, [
    "plaza.v1",
    `bearer.${user.token}`,
  ]);
  const frames: EventFrame[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`task ${task.id} did not finish`)), 60_000);
    ws.addEventListener("message", (e) => frames.push(JSON.parse(String(e.data)) as EventFrame));
    ws.addEventListener("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const at = (pred: (f: EventFrame) => boolean) =>
    Date.parse(frames.find((f) => f.type === "event" && pred(f))?.at ?? "");
  const created = Date.parse(task.createdAt);
  const running = at((f) => f.event?.kind === "status" && f.event.status === "running");
  const firstOutput = at((f) => f.event?.kind === "output");
  return {
    toRunning: running - created,
    toFirstOutput: firstOutput - running,
    submitToFirstOutput: firstOutput - created,
  };
}

async function main(): Promise<void> {
  const token = operatorToken();
  const op = <T>(method: string, p: string, body?: unknown) => api<T>(method, `/v1/backends${p}`, token, body);
  const machineAtStart = machine();
  console.error(`[bench:tasks] ${PLAZA_URL}; ${describeLoad(machineAtStart)}`);
  const backends = await startBackends(BACKENDS, TOKEN_MS);
  const ids = backends.map((_, i) => `bench-${i}`);
  const before = await op<{ items: { id: string; enabled: boolean; capabilities: string[] }[] }>("GET", "");
  const drained = before.items
    .filter((b) => b.enabled && b.capabilities.includes("llm.chat") && !ids.includes(b.id))
    .map((b) => b.id);
  try {
    for (const [i, b] of backends.entries()) {
      await op("POST", "", {
        id: ids[i],
        url: b.url,
        protocol: "openai",
        capabilities: ["llm.chat"],
        capacity: CAPACITY,
      });
    }
    for (const id of drained) await op("PATCH", `/${id}`, { enabled: false });
    const users = await registerUsers(PLAZA_URL, Math.ceil(TASKS / PER_USER) + 1, "bt");

    // 1. Latency, 4 at a time: Plaza vs direct.
    const sampleUser = users.at(-1)!;
    const directSample = await pool(
      Array.from({ length: SAMPLES }, (_, i) => i),
      4,
      (i) => direct(backends[i % BACKENDS]!.url, i),
    );
    const plazaSample: Awaited<ReturnType<typeof sampleTask>>[] = [];
    for (let i = 0; i < SAMPLES; i += 4) {
      plazaSample.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(4, SAMPLES - i) }, (_, j) => sampleTask(sampleUser, i + j)),
        )),
      );
    }

    // 2a. Direct burst baseline: the same number of streams at the pool's total concurrency.
    for (const b of backends) await resetStats(b.url);
    const directStart = performance.now();
    // Each backend gets its share at exactly its capacity, as the pool would allow.
    await Promise.all(
      backends.map((b, k) =>
        pool(
          Array.from({ length: Math.ceil((TASKS - k) / BACKENDS) }, (_, j) => k + j * BACKENDS),
          CAPACITY,
          (i) => direct(b.url, 10_000 + i),
        ),
      ),
    );
    const directSeconds = (performance.now() - directStart) / 1000;
    const directStats = await Promise.all(backends.map((b) => backendStats(b.url)));

    // 2b. The burst through Plaza.
    for (const b of backends) await resetStats(b.url);
    const cpuBefore = await serverCpuMs();
    const byCmdBefore = server.pid ? await cpuByCommand(server.pid) : {};
    const burstStart = Date.now();
    const submitted = await pool(
      Array.from({ length: TASKS }, (_, i) => i),
      64,
      (i) =>
        api<TaskView>("POST", "/v1/tasks", users[Math.floor(i / PER_USER)]!.token, {
          type: "llm.chat",
          input: { messages: messages(i), maxTokens: MAX_TOKENS },
        }),
    );
    const submitSeconds = (Date.now() - burstStart) / 1000;
    // Polls only the users with unfinished tasks, every 2 s: the poll is load on the server too.
    const done = (v: TaskView) => ["succeeded", "failed", "canceled"].includes(v.status);
    const byUser = new Map<BenchUser, TaskView[]>(users.slice(0, Math.ceil(TASKS / PER_USER)).map((u) => [u, []]));
    let views: TaskView[] = [];
    while (timeLeft() > 0) {
      const open = [...byUser].filter(([, v]) => v.length === 0 || !v.every(done)).map(([u]) => u);
      await pool(open, 4, async (u) =>
        byUser.set(u, (await api<{ items: TaskView[] }>("GET", "/v1/tasks?limit=100", u.token)).items),
      );
      views = [...byUser.values()].flat();
      if (views.filter(done).length >= TASKS) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    const cpuUsed = (await serverCpuMs()) - cpuBefore;
    const byCmdAfter = server.pid ? await cpuByCommand(server.pid) : {};
    const cpuMsPerTaskByProcess = Object.fromEntries(
      Object.entries(byCmdAfter).map(([k, v]) => [k, round((v - (byCmdBefore[k] ?? 0)) / TASKS)]),
    );
    const wallMs = Date.now() - burstStart;
    const burstStats: BackendStats[] = await Promise.all(backends.map((b) => backendStats(b.url)));
    const ok = views.filter((v) => v.status === "succeeded");
    const lastFinish = Math.max(...ok.map((v) => Date.parse(v.finishedAt ?? "")));
    const plazaSeconds = (lastFinish - burstStart) / 1000;
    const submittedIds = new Set(submitted.map((t) => t.id));
    const seen = new Map(views.map((v) => [v.id, v]));
    // Lost: submitted but gone, or ended without succeeding. Unfinished: still going at the deadline.
    const unfinished = [...submittedIds].filter((id) =>
      ["queued", "running"].includes(seen.get(id)?.status ?? ""),
    ).length;
    const lost = [...submittedIds].filter((id) => seen.get(id)?.status !== "succeeded").length - unfinished;
    const jobsAtBackends = burstStats.reduce((n, s) => n + s.started, 0);
    const duplicateJobs = burstStats.reduce((n, s) => n + s.duplicateJobs, 0);
    const queueWait = ok.map((v) => Date.parse(v.startedAt ?? "") - Date.parse(v.createdAt));
    const runTime = ok.map((v) => Date.parse(v.finishedAt ?? "") - Date.parse(v.startedAt ?? ""));

    const result = {
      config: {
        tasks: TASKS,
        backends: BACKENDS,
        capacity: CAPACITY,
        maxTokens: MAX_TOKENS,
        tokenMs: TOKEN_MS,
        latencySamples: SAMPLES,
        plaza: PLAZA_URL,
      },
      latency: {
        directTimeToFirstTokenMs: summarize(directSample.map((d) => d.ttft)),
        plazaSubmitToRunningMs: summarize(plazaSample.map((s) => s.toRunning)),
        plazaRunningToFirstOutputMs: summarize(plazaSample.map((s) => s.toFirstOutput).filter(Number.isFinite)),
        plazaSubmitToFirstOutputMs: summarize(plazaSample.map((s) => s.submitToFirstOutput).filter(Number.isFinite)),
      },
      burst: {
        direct: {
          seconds: round(directSeconds),
          perSecond: round(TASKS / directSeconds),
          maxInFlightPerBackend: directStats.map((s) => s.maxInFlight),
        },
        plaza: {
          submitSeconds: round(submitSeconds),
          seconds: round(plazaSeconds),
          perSecond: round(ok.length / plazaSeconds),
          // The server's whole process tree (workerd runs every object, D1, KV and the queues on one thread locally).
          serverCpuMsPerTask: round(cpuUsed / TASKS),
          serverCpuCores: round(cpuUsed / wallMs),
          cpuMsPerTaskByProcess,
          succeeded: ok.length,
          lost,
          unfinishedAtDeadline: unfinished,
          jobsAtBackends,
          duplicateJobs,
          retriedTasks: views.filter((v) => v.attempts > 1).length,
          maxInFlightPerBackend: burstStats.map((s) => s.maxInFlight),
          overCapacity: burstStats.some((s) => s.maxInFlight > CAPACITY),
          queueWaitMs: summarize(queueWait),
          runMs: summarize(runTime),
        },
      },
    };
    printTable(
      "Latency (ms), 4 concurrent",
      ["measure", "n", "p50", "p99", "max"],
      [
        ["direct: request -> first token", ...row(result.latency.directTimeToFirstTokenMs)],
        ["plaza: submit -> running", ...row(result.latency.plazaSubmitToRunningMs)],
        ["plaza: running -> first output", ...row(result.latency.plazaRunningToFirstOutputMs)],
        ["plaza: submit -> first output", ...row(result.latency.plazaSubmitToFirstOutputMs)],
      ],
    );
    printTable(
      `Burst of ${TASKS} (${BACKENDS} backends x capacity ${CAPACITY}, ${MAX_TOKENS} tokens at ${TOKEN_MS} ms)`,
      [
        "path",
        "seconds",
        "jobs/s",
        "max in flight per backend",
        "lost",
        "duplicated",
        "unfinished",
        "server CPU ms/task",
      ],
      [
        [
          "direct to backends",
          result.burst.direct.seconds,
          result.burst.direct.perSecond,
          directStats.map((s) => s.maxInFlight).join(" "),
          "-",
          "-",
          "-",
          "-",
        ],
        [
          "through Plaza",
          result.burst.plaza.seconds,
          result.burst.plaza.perSecond,
          result.burst.plaza.maxInFlightPerBackend.join(" "),
          lost,
          duplicateJobs,
          unfinished,
          result.burst.plaza.serverCpuMsPerTask,
        ],
      ],
    );
    await emitJson("tasks", { url: PLAZA_URL, server: server.kind, ...result, machine: machineAtStart });
  } finally {
    for (const id of ids) await op("DELETE", `/${id}`).catch(() => undefined);
    for (const id of drained) await op("PATCH", `/${id}`, { enabled: true }).catch(() => undefined);
    stopBackends(backends);
  }
}

const round = (x: number) => Math.round(x * 100) / 100;
/** CPU ms the server's process tree has used so far (NaN when its pid is unknown). */
const serverCpuMs = async () => (server.pid === undefined ? Number.NaN : (await treeUsage(server.pid)).cpuMs);
const row = (s: Summary) => [s.count, s.p50, s.p99, s.max];

server = await benchServer({ rateLimits: LOAD_TEST_LIMITS });
PLAZA_URL = server.url;
try {
  await main();
} finally {
  await server.stop();
}

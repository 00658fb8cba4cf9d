// One HTTP load case through autocannon: requests/s and latency percentiles, bounded in time.
import autocannon from "autocannon";

export interface HttpCase {
  name: string;
  path: string;
  headers?: Record<string, string>;
}

export interface HttpResult {
  name: string;
  /** Mean requests per second over the measured window. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Connection errors, timeouts and non-2xx answers (a benchmark of failures is worthless). */
  failures: number;
  /** CPU time the server spent per request (all its processes), when its pid is known. */
  cpuMsPerRequest?: number;
}

/** CPU ms consumed so far by the server under test. */
export type CpuMeter = () => Promise<number>;

export interface LoadShape {
  connections: number;
  durationSec: number;
  warmupSec: number;
}

/** The load shape from BENCH_CONNECTIONS, BENCH_DURATION and BENCH_WARMUP (seconds). */
export function loadShapeFromEnv(env: NodeJS.ProcessEnv = process.env): LoadShape {
  const num = (value: string | undefined, fallback: number, max: number) => {
    const n = Number(value ?? fallback);
    if (!Number.isFinite(n) || n <= 0 || n > max) throw new Error(`bad benchmark setting ${value}: 0 < n <= ${max}`);
    return n;
  };
  return {
    connections: num(env.BENCH_CONNECTIONS, 50, 1_000),
    durationSec: num(env.BENCH_DURATION, 5, 120),
    warmupSec: num(env.BENCH_WARMUP, 1, 30),
  };
}

function run(url: string, c: HttpCase, connections: number, duration: number): Promise<autocannon.Result> {
  return autocannon({ url: `${url}${c.path}`, headers: c.headers ?? {}, connections, duration, timeout: 10 });
}

/** Warms up, then measures `c` against `url` (and the server's CPU time, given `cpu`). */
export async function measureHttp(url: string, c: HttpCase, shape: LoadShape, cpu?: CpuMeter): Promise<HttpResult> {
  await run(url, c, shape.connections, shape.warmupSec);
  const cpuBefore = await cpu?.();
  const r = await run(url, c, shape.connections, shape.durationSec);
  const cpuAfter = await cpu?.();
  return {
    ...(cpuBefore !== undefined && cpuAfter !== undefined
      ? { cpuMsPerRequest: (cpuAfter - cpuBefore) / r.requests.total }
      : {}),
    name: c.name,
    rps: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    failures: r.errors + r.timeouts + r.non2xx,
  };
}

/** Runs every case `rounds` times, interleaved (so drift hits all alike); keeps each case's median round by rps. */
export async function measureHttpCases(
  url: string,
  cases: HttpCase[],
  shape: LoadShape,
  rounds: number,
  cpu?: CpuMeter,
): Promise<HttpResult[]> {
  const byCase = new Map<string, HttpResult[]>(cases.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) byCase.get(c.name)!.push(await measureHttp(url, c, shape, cpu));
  }
  return cases.map((c) => {
    const results = byCase.get(c.name)!.sort((a, b) => a.rps - b.rps);
    const median = results[Math.floor(results.length / 2)]!;
    return { ...median, failures: results.reduce((n, r) => n + r.failures, 0) };
  });
}

// Plaza API calls a benchmark needs to set itself up: users and their tokens.
let ipCounter = 0;

/** A synthetic client IP (CF-Connecting-IP passes through locally), so setup stays under the per-IP auth limit. */
export function benchIp(): string {
  ipCounter++;
  return `10.${200 + ((ipCounter >> 16) & 31)}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

export interface BenchUser {
  id: string;
  username: string;
  password: string;
  accessToken: string;
}

export const BENCH_PASSWORD = "bench password, not a secret";

async function postJson(url: string, body: unknown, token?: string): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "CF-Connecting-IP": benchIp(),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
}

/** Registers `count` fresh users (unique names per run). */
export async function registerUsers(base: string, count: number, prefix = "bench"): Promise<BenchUser[]> {
  const run = `${prefix}_${Date.now().toString(36)}`;
  const users: BenchUser[] = [];
  for (let i = 0; i < count; i++) {
    const username = `${run}_${i}`.slice(0, 32);
    const res = await postJson(`${base}/v1/auth/register`, { username, password: BENCH_PASSWORD });
    if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { user: { id: string }; accessToken: string };
    users.push({ id: body.user.id, username, password: BENCH_PASSWORD, accessToken: body.accessToken });
  }
  return users;
}

/** Logs in once; resolves with the round-trip time in ms. */
export async function timeLogin(base: string, user: BenchUser): Promise<number> {
  const started = performance.now();
  const res = await postJson(`${base}/v1/auth/login`, { username: user.username, password: user.password });
  const elapsed = performance.now() - started;
  if (res.status !== 200) throw new Error(`login ${user.username}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  return elapsed;
}

/** The p-th percentile (0-100) of `values`. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

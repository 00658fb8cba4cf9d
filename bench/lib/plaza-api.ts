// A tiny Plaza HTTP client for benchmarks: JSON calls with a bearer token and a chosen
// client IP (locally `CF-Connecting-IP` passes through, so users can spread over synthetic IPs).

export interface CallOptions {
  method?: string;
  token?: string;
  body?: unknown;
  ip?: string;
}

/** Calls Plaza and returns the status and parsed JSON body (undefined when empty). */
export async function api<T = unknown>(base: string, path: string, options: CallOptions = {}): Promise<{ status: number; data: T }> {
  const headers: Record<string, string> = {};
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.ip) headers["CF-Connecting-IP"] = options.ip;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`${base}${path}`, {
    method: options.method ?? (options.body !== undefined ? "POST" : "GET"),
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, data: (text ? JSON.parse(text) : undefined) as T };
}

export interface BenchUser {
  id: string;
  username: string;
  token: string;
}

/** A synthetic client IP for user number `n` (spreads the per-IP auth limit). */
export const syntheticIp = (n: number) => `10.77.${(n >> 8) & 255}.${n & 255}`;

/** Logs in as `username`, registering it first if needed. */
export async function ensureUser(base: string, username: string, password: string, ip: string): Promise<BenchUser> {
  let res = await api<{ accessToken: string; user: { id: string } }>(base, "/v1/auth/login", { body: { username, password }, ip });
  if (res.status === 401) res = await api(base, "/v1/auth/register", { body: { username, password }, ip });
  if (res.status !== 200 && res.status !== 201) throw new Error(`user ${username}: ${res.status} ${JSON.stringify(res.data)}`);
  return { id: res.data.user.id, username, token: res.data.accessToken };
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

// Talking to Plaza from a benchmark: JSON calls with a bearer token and a chosen client IP,
// users (registered fresh, or logged into by name) spread over synthetic client IPs, the
// operator token. Locally a client-sent `CF-Connecting-IP` passes through, so setup stays
// under AUTH_LIMITER's per-IP limit; in production Cloudflare sets that header itself.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { mapLimit } from "./stats.ts";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface CallOptions {
  method?: string;
  token?: string;
  body?: unknown;
  ip?: string;
  headers?: Record<string, string>;
}

/** Calls Plaza; resolves with the status and the parsed JSON body (undefined when empty). */
export async function api<T = unknown>(
  base: string,
  pathname: string,
  options: CallOptions = {},
): Promise<{ status: number; data: T }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.ip) headers["CF-Connecting-IP"] = options.ip;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`${base}${pathname}`, {
    method: options.method ?? (options.body !== undefined ? "POST" : "GET"),
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = text;
  }
  return { status: res.status, data: data as T };
}

/** Like `api`, but any status other than 2xx throws with the answer. */
export async function call<T = unknown>(base: string, pathname: string, options: CallOptions = {}): Promise<T> {
  const res = await api<T>(base, pathname, options);
  if (res.status < 200 || res.status > 299) {
    throw new Error(
      `${options.method ?? (options.body !== undefined ? "POST" : "GET")} ${pathname}: ${res.status} ${JSON.stringify(res.data).slice(0, 300)}`,
    );
  }
  return res.data;
}

export interface BenchUser {
  id: string;
  username: string;
  password: string;
  token: string;
}

export const BENCH_PASSWORD = "bench password, not a secret";

let ipCounter = Math.floor(Math.random() * 1_000_000);
/** A fresh synthetic client IP (in 10.0.0.0/8, never routed: it is only a header). */
export function syntheticIp(): string {
  const n = ipCounter++ % 16_777_216;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

interface Session {
  user: { id: string };
  accessToken: string;
}

/** Logs in as `username`, registering it first if it does not exist yet. */
export async function ensureUser(base: string, username: string, password = BENCH_PASSWORD): Promise<BenchUser> {
  let res = await api<Session>(base, "/v1/auth/login", { body: { username, password }, ip: syntheticIp() });
  if (res.status === 401)
    res = await api<Session>(base, "/v1/auth/register", { body: { username, password }, ip: syntheticIp() });
  if (res.status !== 200 && res.status !== 201)
    throw new Error(`user ${username}: ${res.status} ${JSON.stringify(res.data)}`);
  return { id: res.data.user.id, username, password, token: res.data.accessToken };
}

/** Registers `count` fresh users named `<prefix>_<run>_<i>`, a few at a time. */
export async function registerUsers(
  base: string,
  count: number,
  prefix = "bench",
  concurrency = 8,
): Promise<BenchUser[]> {
  const run = Date.now().toString(36);
  return mapLimit(
    Array.from({ length: count }, (_, i) => i),
    concurrency,
    async (i) => {
      const username = `${prefix}_${run}_${i}`.slice(0, 32);
      const data = await call<Session>(base, "/v1/auth/register", {
        body: { username, password: BENCH_PASSWORD },
        ip: syntheticIp(),
      });
      return { id: data.user.id, username, password: BENCH_PASSWORD, token: data.accessToken };
    },
  );
}

/** Logs in once; resolves with the round-trip time in ms. */
export async function timeLogin(base: string, user: BenchUser): Promise<number> {
  const started = performance.now();
  await call(base, "/v1/auth/login", { body: { username: user.username, password: user.password }, ip: syntheticIp() });
  return performance.now() - started;
}

/** True when `base` answers /healthz. */
export const isServing = (base: string) =>
  fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5_000) }).then(
    (r) => r.ok,
    () => false,
  );

/** BACKEND_TOKEN from the environment or the .dev.vars `npm start` wrote. */
export function operatorToken(): string {
  if (process.env.BACKEND_TOKEN) return process.env.BACKEND_TOKEN;
  const vars = readFileSync(path.join(root, ".dev.vars"), "utf8");
  const match = /^BACKEND_TOKEN\s*=\s*"?([^"\n]+)"?/m.exec(vars);
  if (!match?.[1]) throw new Error("BACKEND_TOKEN not found: set it or run npm start once");
  return match[1];
}

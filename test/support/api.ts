// Helpers for integration tests: requests go through the real Worker (exports.default.fetch),
// which uses the real D1, KV, Queues and Durable Objects of the test runtime.
import { exports } from "cloudflare:workers";
import { expect } from "vitest";

export const BASE = "http://plaza.test";

let ipCounter = 0;
/** A fresh client IP, so per-IP rate limits of one test do not spill into another. */
export function freshIp(): string {
  ipCounter++;
  return `10.${Math.floor(Math.random() * 250)}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

export interface CallOptions {
  method?: string;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  ip?: string;
}

/** Calls the Worker. `body` is sent as JSON unless it is already a string or bytes. */
export function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { "CF-Connecting-IP": options.ip ?? freshIp(), ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let body: BodyInit | undefined;
  if (options.body !== undefined) {
    if (
      typeof options.body === "string" ||
      options.body instanceof Uint8Array ||
      options.body instanceof ReadableStream
    ) {
      body = options.body as BodyInit;
    } else {
      body = JSON.stringify(options.body);
      headers["Content-Type"] ??= "application/json";
    }
  }
  return exports.default.fetch(
    new Request(`${BASE}${path}`, { method: options.method ?? (body ? "POST" : "GET"), headers, body }),
  );
}

/** Reads a JSON body, failing the test with the body text if it is not JSON. */
export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  const text = await res.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`expected JSON, got ${res.status}: ${text.slice(0, 200)}`);
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { path: string; message: string }[];
  /** With `rate_limited`: seconds to wait (as Retry-After says). */
  retryAfter?: number;
  /** With `budget_exhausted`: when the daily budget resets. */
  resetAt?: string;
}

/** Asserts a problem+json response with `status` and `code`, and returns it. */
export async function expectProblem(res: Response, status: number, code: string): Promise<Problem> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get("Content-Type")).toBe("application/problem+json");
  const problem = JSON.parse(text) as Problem;
  expect(problem).toMatchObject({ status, code });
  expect(problem.type).toBe(`urn:plaza:problem:${code}`);
  expect(text).not.toMatch(/\bat .+:\d+:\d+/); // never a stack trace
  return problem;
}

export interface TestUser {
  user: { id: string; username: string; displayName: string };
  accessToken: string;
  refreshToken: string;
  password: string;
}

let userCounter = 0;
/** A unique valid username. */
export function uniqueUsername(prefix = "u"): string {
  userCounter++;
  return `${prefix}_${Date.now().toString(36)}${userCounter}${Math.floor(Math.random() * 1e4)}`.slice(0, 32);
}

/** Registers a new user and returns its tokens. */
export async function registerUser(prefix = "u"): Promise<TestUser> {
  const password = "correct horse battery staple";
  const res = await call("/v1/auth/register", { body: { username: uniqueUsername(prefix), password } });
  expect(res.status, await res.clone().text()).toBe(201);
  return { ...(await json<Omit<TestUser, "password">>(res)), password };
}

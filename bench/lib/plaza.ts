// Talking to a running Plaza from a benchmark: base URL, demo-safe user registration spread
// over synthetic client IPs (AUTH_LIMITER counts per IP), the operator token from .dev.vars.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const PLAZA_URL = (process.env.PLAZA_URL ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** BACKEND_TOKEN from the environment or the .dev.vars `npm start` wrote. */
export function operatorToken(): string {
  if (process.env.BACKEND_TOKEN) return process.env.BACKEND_TOKEN;
  const vars = readFileSync(path.join(root, ".dev.vars"), "utf8");
  const match = /^BACKEND_TOKEN\s*=\s*"?([^"\n]+)"?/m.exec(vars);
  if (!match?.[1]) throw new Error("BACKEND_TOKEN not found: set it or run npm start once");
  return match[1];
}

export interface BenchUser {
  id: string;
  token: string;
}

/** Registers `count` fresh users, each from its own synthetic IP. */
export async function registerUsers(count: number, prefix: string): Promise<BenchUser[]> {
  const run = Date.now().toString(36);
  const users: BenchUser[] = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${PLAZA_URL}/v1/auth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "CF-Connecting-IP": `10.77.${(i >> 8) & 255}.${i & 255}` },
      body: JSON.stringify({ username: `${prefix}_${run}_${i}`.slice(0, 32), password: "bench password 123" }),
    });
    if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { user: { id: string }; accessToken: string };
    users.push({ id: body.user.id, token: body.accessToken });
  }
  return users;
}

/** JSON request to Plaza; throws with the body on an unexpected status. */
export async function api<T>(method: string, pathname: string, token: string | undefined, body?: unknown, expect: number[] = [200, 201, 202, 204]): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`${PLAZA_URL}${pathname}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!expect.includes(res.status)) throw new Error(`${method} ${pathname}: ${res.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

// Where an operator command finds Plaza and its operator token: PLAZA_URL or the local server
// (PLAZA_PORT, default 8787), and BACKEND_TOKEN from the environment or from .dev.vars
// (written by `npm start`). Shared by `npm run plaza -- ...` and `npm run dlq:replay`.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { root } from "./paths.ts";

/** A value from .dev.vars (quotes stripped), or undefined. */
export function devVar(name: string): string | undefined {
  const file = path.join(root, ".dev.vars");
  if (!existsSync(file)) return undefined;
  const line = readFileSync(file, "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}=`));
  return line?.slice(name.length + 1).replace(/^"(.*)"$/, "$1");
}

/** Plaza's base URL without a trailing slash: `given`, PLAZA_URL or the local server. */
export function plazaUrl(given?: string): string {
  return (given ?? process.env.PLAZA_URL ?? `http://127.0.0.1:${process.env.PLAZA_PORT ?? "8787"}`).replace(/\/+$/, "");
}

/** The operator token (BACKEND_TOKEN), or undefined when neither the environment nor .dev.vars has one. */
export function operatorToken(): string | undefined {
  return process.env.BACKEND_TOKEN ?? devVar("BACKEND_TOKEN");
}

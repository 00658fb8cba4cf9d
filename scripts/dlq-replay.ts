// npm run dlq:replay -- --queue plaza-events-dlq [--url http://127.0.0.1:8787] [--max 1000]
// Sends the dead letters Plaza recorded in D1 back to their queue, 90 per call, through the
// operator route POST /v1/admin/dead-letters/replay. The operator token is BACKEND_TOKEN from
// the environment or from .dev.vars (written by npm start); the URL is PLAZA_URL or the local
// server (PLAZA_PORT, default 8787). Works against npm start and a deployed Worker alike.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { root } from "./lib/paths.ts";

const { values } = parseArgs({
  options: {
    queue: { type: "string" },
    url: { type: "string" },
    max: { type: "string", default: "10000" },
  },
});
const queue = values.queue;
if (queue !== "plaza-events-dlq" && queue !== "plaza-tasks-dlq") {
  console.error("usage: npm run dlq:replay -- --queue plaza-events-dlq|plaza-tasks-dlq [--url URL] [--max N]");
  process.exit(2);
}

function devVar(name: string): string | undefined {
  const file = path.join(root, ".dev.vars");
  if (!existsSync(file)) return undefined;
  const line = readFileSync(file, "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}=`));
  return line?.slice(name.length + 1).replace(/^"(.*)"$/, "$1");
}

const token = process.env.BACKEND_TOKEN ?? devVar("BACKEND_TOKEN");
if (!token) {
  console.error("BACKEND_TOKEN is not set and .dev.vars has none (run npm start once, or export it).");
  process.exit(2);
}
const base = (values.url ?? process.env.PLAZA_URL ?? `http://127.0.0.1:${process.env.PLAZA_PORT ?? "8787"}`).replace(
  /\/+$/,
  "",
);
const max = Number(values.max);

let total = 0;
for (;;) {
  const res = await fetch(`${base}/v1/admin/dead-letters/replay`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ queue, limit: 90 }),
  });
  const body = (await res.json()) as { replayed?: number; remaining?: number; to?: Record<string, number> };
  if (!res.ok) {
    console.error(`replay failed: ${res.status}`, body);
    process.exit(1);
  }
  total += body.replayed ?? 0;
  console.log(JSON.stringify({ queue, replayed: body.replayed, to: body.to, remaining: body.remaining }));
  if (!body.replayed || !body.remaining || total >= max) break;
}
console.log(`replayed ${total} dead letters from ${queue}`);

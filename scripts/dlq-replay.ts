// npm run dlq:replay -- --queue plaza-events-dlq [--url http://127.0.0.1:8787] [--max 1000]
// Sends the dead letters Plaza recorded in D1 back to their queue, 90 per call, through the
// operator route POST /v1/admin/dead-letters/replay. The operator token is BACKEND_TOKEN from
// the environment or from .dev.vars (written by npm start); the URL is PLAZA_URL or the local
// server (PLAZA_PORT, default 8787). Works against npm start and a deployed Worker alike.
import { parseArgs } from "node:util";
import { operatorToken, plazaUrl } from "./lib/operator.ts";

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

const token = operatorToken();
if (!token) {
  console.error("BACKEND_TOKEN is not set and .dev.vars has none (run npm start once, or export it).");
  process.exit(2);
}
const base = plazaUrl(values.url);
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

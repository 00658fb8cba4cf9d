// What `GET /metrics` reads at scrape time rather than counting as it happens: queue backlog and
// the age of the oldest message per queue, recorded dead letters per queue, tasks waiting per
// task type (a capability), and each GPU backend's in-flight count, health and breaker.
// A source that fails is left out of the scrape (and said so), never fails it.
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { deadLetters, tasks } from "../db/schema";
import type { Labels } from "./registry";

export interface Gauge {
  name: string;
  help: string;
  labels: Labels;
  value: number;
}

/** The producer bindings whose backlog is reported, by queue name (wrangler.toml). */
const QUEUES = {
  "plaza-events": "EVENTS",
  "plaza-events-dlq": "EVENTS_DLQ",
  "plaza-fanout": "FANOUT",
  "plaza-tasks": "TASKS",
  "plaza-tasks-dlq": "TASKS_DLQ",
} as const satisfies Record<string, keyof Env>;

async function queueGauges(env: Env, now: number): Promise<Gauge[]> {
  const out: Gauge[] = [];
  await Promise.all(
    Object.entries(QUEUES).map(async ([queue, binding]) => {
      const m = await env[binding].metrics();
      out.push({
        name: "plaza_queue_backlog",
        help: "Messages waiting in the queue",
        labels: { queue },
        value: m.backlogCount,
      });
      const oldest = m.oldestMessageTimestamp ? now - new Date(m.oldestMessageTimestamp).getTime() : 0;
      out.push({
        name: "plaza_queue_oldest_message_age_ms",
        help: "Age of the oldest waiting message (0: none waiting)",
        labels: { queue },
        value: Math.max(0, oldest),
      });
    }),
  );
  return out;
}

async function databaseGauges(db: Db): Promise<Gauge[]> {
  const [dead, waiting] = await db.batch([
    db.select({ queue: deadLetters.queue, n: sql<number>`count(*)` }).from(deadLetters).groupBy(deadLetters.queue),
    db
      .select({ type: tasks.type, n: sql<number>`count(*)` })
      .from(tasks)
      .where(sql`${tasks.status} = 'queued'`)
      .groupBy(tasks.type),
  ]);
  return [
    ...dead.map((r) => ({
      name: "plaza_dead_letters",
      help: "Dead letters recorded and not replayed, per dead-letter queue",
      labels: { queue: r.queue },
      value: r.n,
    })),
    ...waiting.map((r) => ({
      name: "plaza_tasks_queued",
      help: "Tasks waiting for a backend, per task type",
      labels: { type: r.type },
      value: r.n,
    })),
  ];
}

async function backendGauges(env: Env): Promise<Gauge[]> {
  const pool = env.BACKENDS_POOL.get(env.BACKENDS_POOL.idFromName("pool"));
  const backends = await pool.list();
  return backends.flatMap((b) => {
    const labels = { backend: b.id };
    return [
      { name: "plaza_backend_in_flight", help: "Jobs running on the backend", labels, value: b.inFlight },
      { name: "plaza_backend_capacity", help: "Jobs the backend takes at once", labels, value: b.capacity },
      {
        name: "plaza_backend_healthy",
        help: "1 healthy, 0 not, -1 not probed yet",
        labels,
        value: b.healthy === null ? -1 : Number(b.healthy),
      },
      { name: "plaza_backend_enabled", help: "1 when the backend takes new work", labels, value: Number(b.enabled) },
      {
        name: "plaza_backend_breaker_open",
        help: "1 when the circuit breaker is open or half-open",
        labels: { ...labels, state: b.breaker.state },
        value: b.breaker.state === "closed" ? 0 : 1,
      },
      {
        name: "plaza_backend_jobs_failed_total",
        help: "Jobs that failed on the backend",
        labels,
        value: b.served.failed,
      },
      {
        name: "plaza_backend_jobs_succeeded_total",
        help: "Jobs that succeeded on the backend",
        labels,
        value: b.served.succeeded,
      },
    ];
  });
}

/** Reads every gauge; `failed` names the sources that could not be read this time. */
export async function readGauges(env: Env, db: Db, now = Date.now()): Promise<{ gauges: Gauge[]; failed: string[] }> {
  const sources = { queues: queueGauges(env, now), database: databaseGauges(db), backends: backendGauges(env) };
  const settled = await Promise.allSettled(Object.values(sources));
  const gauges: Gauge[] = [];
  const failed: string[] = [];
  Object.keys(sources).forEach((name, i) => {
    const r = settled[i];
    if (r?.status === "fulfilled") gauges.push(...r.value);
    else failed.push(name);
  });
  return { gauges, failed };
}

// Replaying dead letters: the rows the DLQ consumers recorded in D1 (src/queues/dead-letter.ts)
// are sent back to the queue they came from, oldest first, and deleted once sent. Delivery is
// at least once (a failure between send and delete sends a row again next time); the
// consumers are idempotent (counters recount from rows, views dedupe by event id, tasks by state).
import { inArray, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { deadLetters } from "../db/schema";
import { FanoutJobSchema } from "../protocol/inbox";

/** The dead-letter queues whose rows can be replayed (wrangler.toml). */
export const REPLAYABLE_DLQS = ["plaza-events-dlq", "plaza-tasks-dlq"] as const;
export type ReplayableDlq = (typeof REPLAYABLE_DLQS)[number];

/** Where a dead letter goes back to: plaza-events-dlq holds both EVENTS and FANOUT messages. */
function originOf(env: Env, dlq: ReplayableDlq, body: unknown): { queue: Queue; name: string } {
  if (dlq === "plaza-tasks-dlq") return { queue: env.TASKS, name: "plaza-tasks" };
  return FanoutJobSchema.safeParse(body).success
    ? { queue: env.FANOUT, name: "plaza-fanout" }
    : { queue: env.EVENTS, name: "plaza-events" };
}

export interface ReplayOutcome {
  queue: ReplayableDlq;
  replayed: number;
  /** Rows of this DLQ still recorded (call again to replay them). */
  remaining: number;
  /** Messages sent back per origin queue. */
  to: Record<string, number>;
}

/** Re-sends up to `limit` (<= 90: one DELETE binds the ids) recorded dead letters of `dlq`. */
export async function replayDeadLetters(db: Db, env: Env, dlq: ReplayableDlq, limit: number): Promise<ReplayOutcome> {
  const rows = await db
    .select({ id: deadLetters.id, body: deadLetters.body })
    .from(deadLetters)
    .where(sql`${deadLetters.queue} = ${dlq}`)
    .orderBy(deadLetters.createdAt, deadLetters.id)
    .limit(Math.min(limit, 90));
  const to: Record<string, number> = {};
  const sent: string[] = [];
  // One send per message (a batch would share its 256 KB limit); stop at the first failure.
  for (const row of rows) {
    const body = JSON.parse(row.body) as unknown;
    const origin = originOf(env, dlq, body);
    await origin.queue.send(body, { contentType: "json" });
    sent.push(row.id);
    to[origin.name] = (to[origin.name] ?? 0) + 1;
  }
  if (sent.length > 0) await db.delete(deadLetters).where(inArray(deadLetters.id, sent));
  const [left] = await db
    .select({ n: sql<number>`count(*)` })
    .from(deadLetters)
    .where(sql`${deadLetters.queue} = ${dlq}`);
  return { queue: dlq, replayed: sent.length, remaining: left?.n ?? 0, to };
}

// TaskRun: one Durable Object per compute task. It is the task's state machine and its
// ordered event log.
//
// Responsibilities (this first version):
// - hold the task's status, which only moves forward: queued -> running -> succeeded|failed|canceled;
// - append every status change and progress/output event to a log with a gap-free `seq`;
// - answer `snapshot` and `eventsSince` so callers can show and resume a task.
import { DurableObject } from "cloudflare:workers";
import type { JsonObject } from "../src/shared/json";

export type TaskStatus = "queued" | "running" | "succeeded" | "failed" | "canceled";

const order: Record<TaskStatus, number> = { queued: 0, running: 1, succeeded: 2, failed: 2, canceled: 2 };

/** True when a task may move from `from` to `to` (forward only, terminal states are final). */
export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return order[to] > order[from];
}

export interface TaskEvent {
  seq: number;
  kind: "status" | "progress" | "output" | "log";
  data: JsonObject;
  at: string;
}

interface EventRow extends Record<string, SqlStorageValue> {
  seq: number;
  kind: string;
  data: string;
  at: number;
}

export class TaskRun extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS events (
        seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, data TEXT NOT NULL, at INTEGER NOT NULL)`);
    });
  }

  /** The current status (a new object starts `queued`). */
  async status(): Promise<TaskStatus> {
    return (await this.ctx.storage.get<TaskStatus>("status")) ?? "queued";
  }

  /**
   * Moves the task to `to` if that is forward; returns whether it moved. Stale or duplicate
   * transitions (a late callback, a redelivered message) are ignored, never applied backwards.
   */
  async transition(to: TaskStatus, detail: JsonObject = {}): Promise<boolean> {
    const from = await this.status();
    if (!canTransition(from, to)) return false;
    await this.ctx.storage.put("status", to);
    this.append("status", { status: to, ...detail });
    return true;
  }

  /** Appends a progress, output or log event; ignored once the task has finished. */
  async record(kind: "progress" | "output" | "log", data: JsonObject): Promise<number | undefined> {
    if (order[await this.status()] === 2) return undefined;
    return this.append(kind, data);
  }

  /** Events with `seq > since`, in order. */
  async eventsSince(since: number): Promise<TaskEvent[]> {
    return this.ctx.storage.sql
      .exec<EventRow>("SELECT * FROM events WHERE seq > ? ORDER BY seq", since)
      .toArray()
      .map((r) => ({
        seq: r.seq,
        kind: r.kind as TaskEvent["kind"],
        data: JSON.parse(r.data) as JsonObject,
        at: new Date(r.at).toISOString(),
      }));
  }

  private append(kind: TaskEvent["kind"], data: JsonObject): number {
    return this.ctx.storage.sql
      .exec<{ seq: number }>(
        "INSERT INTO events (seq, kind, data, at) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM events), ?, ?, ?) RETURNING seq",
        kind,
        JSON.stringify(data),
        Date.now(),
      )
      .one().seq;
  }
}

// Tasks waiting for a backend slot, first come first served. Waiting costs nothing: when a
// slot frees, the pool grants it to the oldest waiter that fits (a lease held for it) and sends
// that task one TASKS message, instead of every waiting task polling the pool. Persisted in the
// pool's SQLite so a restart keeps the order.
import type { BackendProtocol } from "../../src/protocol/tasks";

export interface Want {
  capability: string;
  protocol: BackendProtocol;
}

export interface Waiter extends Want {
  taskId: string;
  since: number;
  /** The lease length to grant when a slot frees. */
  leaseSeconds: number;
}

const sameKind = (a: Want, b: Want) => a.capability === b.capability && a.protocol === b.protocol;

export class Waitlist {
  private waiters = new Map<string, Waiter>();
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS waiters (task_id TEXT PRIMARY KEY, data TEXT NOT NULL)");
    for (const row of sql.exec<{ task_id: string; data: string }>("SELECT task_id, data FROM waiters")) {
      this.waiters.set(row.task_id, JSON.parse(row.data) as Waiter);
    }
  }

  get size(): number {
    return this.waiters.size;
  }

  /** Queues `taskId`, keeping its place if it is already waiting. */
  add(taskId: string, want: Want, leaseSeconds: number, now: number): void {
    const since = this.waiters.get(taskId)?.since ?? now;
    const waiter: Waiter = { taskId, capability: want.capability, protocol: want.protocol, since, leaseSeconds };
    this.waiters.set(taskId, waiter);
    this.sql.exec("INSERT OR REPLACE INTO waiters (task_id, data) VALUES (?, ?)", taskId, JSON.stringify(waiter));
  }

  remove(taskId: string): boolean {
    if (!this.waiters.delete(taskId)) return false;
    this.sql.exec("DELETE FROM waiters WHERE task_id = ?", taskId);
    return true;
  }

  /** Whether someone who asked earlier for the same kind of slot is still waiting. */
  hasOlder(taskId: string, want: Want): boolean {
    const since = this.waiters.get(taskId)?.since ?? Infinity;
    for (const w of this.waiters.values()) {
      if (w.taskId !== taskId && sameKind(w, want) && w.since < since) return true;
    }
    return false;
  }

  /** Waiters, oldest first. */
  ordered(): Waiter[] {
    return [...this.waiters.values()].sort((a, b) => a.since - b.since);
  }

  /** Drops waiters older than `maxAgeMs` (their tasks have failed `no_backend` by then). */
  purge(maxAgeMs: number, now: number): void {
    for (const w of [...this.waiters.values()]) if (now - w.since > maxAgeMs) this.remove(w.taskId);
  }
}

// Tasks waiting for a backend slot, first come first served. Waiting costs nothing: when a
// slot frees, the pool wakes the oldest waiters (one TASKS message each) instead of every
// waiting task polling the pool. Persisted in the pool's SQLite so a restart keeps the order.
import type { BackendProtocol } from "../../src/shared/tasks";

export interface Want {
  capability: string;
  protocol: BackendProtocol;
}

interface Waiter extends Want {
  taskId: string;
  since: number;
  /** When this waiter was last woken; it gets the slot it was woken for unless it is late. */
  wokenAt: number | null;
}

/** A woken waiter that has not come back within this long loses its turn and may be woken again. */
export const WAKE_STALE_MS = 10_000;

const keyOf = (w: Want) => `${w.capability}|${w.protocol}`;

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

  /** Queues `taskId` (keeping its place if it is already waiting). */
  add(taskId: string, want: Want, now: number): void {
    const existing = this.waiters.get(taskId);
    this.save({ taskId, ...want, since: existing?.since ?? now, wokenAt: null });
  }

  remove(taskId: string): boolean {
    if (!this.waiters.delete(taskId)) return false;
    this.sql.exec("DELETE FROM waiters WHERE task_id = ?", taskId);
    return true;
  }

  /**
   * Whether `taskId` must let others go first: a newcomer waits behind anyone waiting for the
   * same kind of slot; a waiter waits behind older waiters that have not been woken yet.
   */
  mustWait(taskId: string, want: Want): boolean {
    const me = this.waiters.get(taskId);
    const key = keyOf(want);
    for (const w of this.waiters.values()) {
      if (w.taskId === taskId || keyOf(w) !== key) continue;
      if (!me) return true;
      if (w.since < me.since && w.wokenAt === null) return true;
    }
    return false;
  }

  /**
   * Marks the oldest waiters as woken, as many per kind as `freeSlots(kind)` allows minus those
   * already woken and still expected; returns their task ids (the caller sends their messages).
   */
  wake(freeSlots: (want: Want) => number, now: number): string[] {
    const budget = new Map<string, number>();
    const woken: string[] = [];
    const ordered = [...this.waiters.values()].sort((a, b) => a.since - b.since);
    for (const w of ordered) {
      const key = keyOf(w);
      if (!budget.has(key)) {
        const expected = ordered.filter((o) => keyOf(o) === key && o.wokenAt !== null && now - o.wokenAt < WAKE_STALE_MS).length;
        budget.set(key, freeSlots(w) - expected);
      }
      const left = budget.get(key)!;
      if (left <= 0 || (w.wokenAt !== null && now - w.wokenAt < WAKE_STALE_MS)) continue;
      this.save({ ...w, wokenAt: now });
      woken.push(w.taskId);
      budget.set(key, left - 1);
    }
    return woken;
  }

  /** Drops waiters older than `maxAgeMs` (their tasks have failed `no_backend` by then). */
  purge(maxAgeMs: number, now: number): void {
    for (const w of [...this.waiters.values()]) if (now - w.since > maxAgeMs) this.remove(w.taskId);
  }

  private save(w: Waiter): void {
    this.waiters.set(w.taskId, w);
    this.sql.exec("INSERT OR REPLACE INTO waiters (task_id, data) VALUES (?, ?)", w.taskId, JSON.stringify(w));
  }
}

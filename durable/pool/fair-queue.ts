// Tasks waiting for a backend slot, dispatched by weighted fair queuing (docs/decisions/0078).
// Per kind of slot (capability + protocol), higher priorities go first; inside a priority each
// flow (a user, or the tenant a user belongs to) gets a share in proportion to its weight:
// start-time fair queuing, where a waiter's start tag is max(virtual clock, its flow's last
// finish tag), its finish tag start + 1/weight, the smallest start goes next and the clock is
// the start of the latest one granted. So one user's burst of 1,000 tasks takes starts
// 0..999 while another user's single task, arriving later, starts at the clock and goes next.
// Persisted in the pool's SQLite so a restart keeps the order.
import type { BackendProtocol, TaskPriority } from "../../src/protocol/tasks";

/** What a task asks the pool for. */
export interface Ask {
  capability: string;
  protocol: BackendProtocol;
  userId: string;
  priority: TaskPriority;
  /** Tasks with the same key (per user) prefer the backend that served the last one. */
  sessionKey?: string | undefined;
}

/** The share a user's tasks compete with: the user alone, or the tenant the user belongs to. */
export interface Flow {
  id: string;
  weight: number;
}

export interface Waiter extends Ask {
  taskId: string;
  since: number;
  /** The lease length to grant when a slot frees. */
  leaseSeconds: number;
  flow: string;
  /** The flow's weight when the waiter joined. */
  weight: number;
  /** Virtual start tag inside (kind, priority): smaller goes first. */
  tag: number;
}

/** Flow tails kept before the stale ones are pruned. */
const MAX_TAILS = 10_000;

const PRIORITY_RANK: Record<TaskPriority, number> = { high: 0, normal: 1, low: 2 };

/** The kind of slot a task needs. */
export const kindOf = (w: { capability: string; protocol: BackendProtocol }) => `${w.capability}|${w.protocol}`;

const laneOf = (w: Waiter) => `${kindOf(w)}|${w.priority}`;

const before = (a: Waiter, b: Waiter) =>
  PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] ||
  a.tag - b.tag ||
  a.since - b.since ||
  (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0);

export class FairQueue {
  private readonly waiters = new Map<string, Waiter>();
  /** Waiters per kind; sorted when `unsorted` does not hold the kind. */
  private readonly byKind = new Map<string, Waiter[]>();
  private readonly unsorted = new Set<string>();
  /** Places per kind, rebuilt on the first read after a change. */
  private readonly places = new Map<string, Map<string, number>>();
  /** Virtual clock per lane (kind + priority): the tag of the latest waiter granted. */
  private readonly clocks = new Map<string, number>();
  /**
   * Per lane + flow: the finish tag of its latest waiter (granted or not). Entries at or below
   * their lane's clock say nothing (the clock wins) and are pruned when the map grows.
   */
  private readonly tails = new Map<string, number>();
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS waiters (task_id TEXT PRIMARY KEY, data TEXT NOT NULL)");
    sql.exec("CREATE TABLE IF NOT EXISTS fair_clocks (lane TEXT PRIMARY KEY, v REAL NOT NULL)");
    for (const row of sql.exec<{ lane: string; v: number }>("SELECT lane, v FROM fair_clocks")) {
      this.clocks.set(row.lane, row.v);
    }
    for (const row of sql.exec<{ task_id: string; data: string }>("SELECT task_id, data FROM waiters")) {
      const w = JSON.parse(row.data) as Partial<Waiter> & { taskId: string; capability: string };
      // Waiters stored before fair queuing have no flow: they keep their arrival order.
      const waiter: Waiter = {
        protocol: "openai",
        userId: "",
        priority: "normal",
        leaseSeconds: 660,
        since: Date.now(),
        ...w,
        flow: w.flow ?? `u:${w.userId ?? ""}`,
        weight: w.weight ?? 1,
        tag: w.tag ?? (w.since ?? 0) / 1e9,
      };
      this.unsorted.add(kindOf(waiter));
      this.index(waiter);
    }
  }

  get size(): number {
    return this.waiters.size;
  }

  has(taskId: string): boolean {
    return this.waiters.has(taskId);
  }

  get(taskId: string): Waiter | undefined {
    return this.waiters.get(taskId);
  }

  /** Queues `taskId` in `flow`, keeping its place if it is already waiting. */
  add(taskId: string, ask: Ask, flow: Flow, leaseSeconds: number, now: number): Waiter {
    const existing = this.waiters.get(taskId);
    if (existing) return existing;
    const partial = { ...ask, taskId, since: now, leaseSeconds, flow: flow.id, weight: flow.weight, tag: 0 };
    const lane = laneOf(partial);
    const tail = this.tails.get(`${lane}|${flow.id}`) ?? 0;
    partial.tag = Math.max(this.clocks.get(lane) ?? 0, tail);
    const waiter: Waiter = partial;
    this.index(waiter);
    this.sql.exec("INSERT OR REPLACE INTO waiters (task_id, data) VALUES (?, ?)", taskId, JSON.stringify(waiter));
    return waiter;
  }

  /** Removes a waiter that was granted a slot: its lane's virtual clock advances to its tag. */
  granted(taskId: string): void {
    const w = this.waiters.get(taskId);
    if (!w) return;
    const lane = laneOf(w);
    if (w.tag > (this.clocks.get(lane) ?? 0)) {
      this.clocks.set(lane, w.tag);
      this.sql.exec("INSERT OR REPLACE INTO fair_clocks (lane, v) VALUES (?, ?)", lane, w.tag);
    }
    this.remove(taskId);
  }

  remove(taskId: string): boolean {
    const w = this.waiters.get(taskId);
    if (!w) return false;
    this.waiters.delete(taskId);
    const kind = kindOf(w);
    const list = this.byKind.get(kind) ?? [];
    const at = list.indexOf(w);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.byKind.delete(kind);
    this.places.delete(kind);
    this.sql.exec("DELETE FROM waiters WHERE task_id = ?", taskId);
    return true;
  }

  /** The kinds that have waiters. */
  kinds(): string[] {
    return [...this.byKind.keys()];
  }

  /** Waiters of one kind in dispatch order. */
  ordered(kind: string): readonly Waiter[] {
    const list = this.byKind.get(kind) ?? [];
    if (this.unsorted.delete(kind)) list.sort(before);
    return list;
  }

  /** How many waiters of the same kind go before `taskId`, or undefined if it is not waiting. */
  ahead(taskId: string): number | undefined {
    const w = this.waiters.get(taskId);
    if (!w) return undefined;
    const kind = kindOf(w);
    let places = this.places.get(kind);
    if (!places) {
      places = new Map(this.ordered(kind).map((x, i) => [x.taskId, i]));
      this.places.set(kind, places);
    }
    return places.get(taskId);
  }

  /** Drops waiters older than `maxAgeMs` (their tasks have failed `no_backend` by then). */
  purge(maxAgeMs: number, now: number): void {
    for (const w of [...this.waiters.values()]) if (now - w.since > maxAgeMs) this.remove(w.taskId);
  }

  private pruneTails(): void {
    for (const [key, finish] of this.tails) {
      const lane = key.slice(0, key.lastIndexOf("|"));
      if (finish <= (this.clocks.get(lane) ?? 0)) this.tails.delete(key);
    }
  }

  private index(w: Waiter): void {
    this.waiters.set(w.taskId, w);
    const kind = kindOf(w);
    const list = this.byKind.get(kind);
    if (!list) this.byKind.set(kind, [w]);
    else if (this.unsorted.has(kind)) list.push(w);
    else {
      // Kept sorted by binary insertion: a burst of adds costs no re-sort per dispatch.
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (before(list[mid]!, w) < 0) lo = mid + 1;
        else hi = mid;
      }
      list.splice(lo, 0, w);
    }
    this.places.delete(kind);
    const lane = laneOf(w);
    const tailKey = `${lane}|${w.flow}`;
    this.tails.set(tailKey, Math.max(this.tails.get(tailKey) ?? 0, w.tag + 1 / w.weight));
    if (this.tails.size > MAX_TAILS) this.pruneTails();
  }
}

// BackendPool: one Durable Object ("pool") owns the GPU backend pool (the seed's service
// discovery), so in-flight counts, circuit breakers and health have one strongly consistent owner.
//
// Responsibilities:
// - know every backend: config-declared ones (BACKENDS var, synced at start) and runtime ones (`register`);
// - `acquire`: hand one task a slot on the least-loaded capable backend; idempotent per task;
// - `release`: free the slot and feed the job's outcome to that backend's breaker;
// - a FIFO waitlist: tasks that found no room are woken (a TASKS message each) when a slot frees;
// - an alarm that probes health, reclaims leases whose task never released them, wakes waiters.
import { DurableObject } from "cloudflare:workers";
import { loadConfig } from "../src/config";
import type { BackendLease, BackendProtocol, BackendSpec, BackendView } from "../src/shared/tasks";
import { admits, afterOutcome, type BreakerSettings, closedBreaker, probing } from "./pool/breaker";
import { probeHealth } from "./pool/health";
import { anyCapable, pickBackend, type PoolEntry } from "./pool/select";
import { Waitlist, type Want } from "./pool/waitlist";

interface Lease {
  backendId: string;
  expiresAt: number;
  probe: boolean;
}

export type AcquireResult =
  | { ok: true; lease: BackendLease }
  | { ok: false; reason: "busy" | "no_capable_backend" };

export type JobOutcome = "success" | "failure" | "neutral";

export class BackendPool extends DurableObject<Env> {
  private entries = new Map<string, PoolEntry>();
  private leases = new Map<string, Lease>();
  private waitlist!: Waitlist;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      const sql = ctx.storage.sql;
      sql.exec("CREATE TABLE IF NOT EXISTS backends (id TEXT PRIMARY KEY, data TEXT NOT NULL)");
      sql.exec("CREATE TABLE IF NOT EXISTS leases (task_id TEXT PRIMARY KEY, data TEXT NOT NULL)");
      for (const row of sql.exec<{ id: string; data: string }>("SELECT id, data FROM backends")) {
        this.entries.set(row.id, JSON.parse(row.data) as PoolEntry);
      }
      for (const row of sql.exec<{ task_id: string; data: string }>("SELECT task_id, data FROM leases")) {
        this.leases.set(row.task_id, JSON.parse(row.data) as Lease);
      }
      this.waitlist = new Waitlist(sql);
      this.syncConfig(loadConfig(env).tasks.backends);
      if ((await ctx.storage.getAlarm()) === null) await ctx.storage.setAlarm(Date.now() + 1_000);
    });
  }

  /**
   * Reserves a slot for `taskId` on the best backend that has `capability` over `protocol`.
   * Asking again for the same task returns the same lease, so a redelivered message never
   * takes two slots. `leaseSeconds` bounds how long a silent task may hold the slot.
   */
  async acquire(taskId: string, want: Want, leaseSeconds: number): Promise<AcquireResult> {
    const held = this.leases.get(taskId);
    const heldEntry = held && this.entries.get(held.backendId);
    if (heldEntry) return { ok: true, lease: { taskId, backend: heldEntry.spec } };
    const now = Date.now();
    const pick = this.waitlist.mustWait(taskId, want)
      ? undefined
      : pickBackend(this.entries.values(), want, (id) => this.inFlight(id), (id) => this.probeOut(id), this.breakerSettings(), now);
    if (!pick) {
      // Waiting is free: the task is woken when a slot for it frees (see wakeWaiters).
      this.waitlist.add(taskId, want, now);
      return { ok: false, reason: anyCapable(this.entries.values(), want) ? "busy" : "no_capable_backend" };
    }
    this.waitlist.remove(taskId);
    const { entry, probe } = pick;
    if (probe) entry.breaker = probing(entry.breaker);
    entry.served.started++;
    this.saveEntry(entry);
    this.saveLease(taskId, { backendId: entry.spec.id, expiresAt: now + leaseSeconds * 1000, probe });
    return { ok: true, lease: { taskId, backend: entry.spec } };
  }

  /**
   * Frees `taskId`'s slot (or its place in the waitlist) and records how the job went; a
   * second release is a no-op. Wakes the next waiters for the freed capacity.
   */
  async release(taskId: string, outcome: JobOutcome): Promise<boolean> {
    const waited = this.waitlist.remove(taskId);
    const lease = this.leases.get(taskId);
    if (!lease) return waited;
    this.leases.delete(taskId);
    this.ctx.storage.sql.exec("DELETE FROM leases WHERE task_id = ?", taskId);
    const entry = this.entries.get(lease.backendId);
    if (entry) {
      entry.breaker = afterOutcome(entry.breaker, this.breakerSettings(), outcome, lease.probe, Date.now());
      if (outcome === "success") entry.served.succeeded++;
      if (outcome === "failure") entry.served.failed++;
      this.saveEntry(entry);
    }
    this.wakeWaiters();
    return true;
  }

  /** Adds or replaces a runtime backend. A config-declared id cannot be overridden. */
  async register(spec: BackendSpec): Promise<{ ok: true; backend: BackendView } | { ok: false; reason: "config_backend" }> {
    const existing = this.entries.get(spec.id);
    if (existing?.source === "config") return { ok: false, reason: "config_backend" };
    const entry: PoolEntry = existing
      ? { ...existing, spec }
      : { spec, source: "runtime", enabled: true, healthy: null, lastHealthAt: null, breaker: closedBreaker(), served: { started: 0, succeeded: 0, failed: 0 } };
    this.saveEntry(entry);
    this.wakeWaiters();
    return { ok: true, backend: this.view(entry) };
  }

  /** Removes a runtime backend (its running jobs finish; their releases are then no-ops for it). */
  async remove(id: string): Promise<"removed" | "not_found" | "config_backend"> {
    const entry = this.entries.get(id);
    if (!entry) return "not_found";
    if (entry.source === "config") return "config_backend";
    this.entries.delete(id);
    this.ctx.storage.sql.exec("DELETE FROM backends WHERE id = ?", id);
    return "removed";
  }

  /** Takes a backend out of (or back into) rotation without forgetting it (draining). */
  async setEnabled(id: string, enabled: boolean): Promise<BackendView | undefined> {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    entry.enabled = enabled;
    this.saveEntry(entry);
    this.wakeWaiters();
    return this.view(entry);
  }

  /** Every backend with its health, in-flight count and breaker state. */
  async list(): Promise<BackendView[]> {
    return [...this.entries.values()].map((e) => this.view(e)).sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Probes every enabled backend now (also done by the alarm). */
  async checkHealth(): Promise<void> {
    const entries = [...this.entries.values()].filter((e) => e.enabled);
    const results = await Promise.all(entries.map((e) => probeHealth(e.spec)));
    const now = Date.now();
    entries.forEach((entry, i) => {
      const current = this.entries.get(entry.spec.id);
      if (!current) return;
      current.healthy = results[i] ?? false;
      current.lastHealthAt = now;
      this.saveEntry(current);
    });
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    for (const [taskId, lease] of this.leases) {
      // A lease outlives its task only if the task object vanished; free the slot.
      if (lease.expiresAt <= now) await this.release(taskId, "neutral");
    }
    await this.checkHealth();
    const cfg = loadConfig(this.env).tasks;
    this.waitlist.purge((cfg.maxQueueSeconds + 60) * 1000, Date.now());
    this.wakeWaiters();
    await this.ctx.storage.setAlarm(Date.now() + cfg.healthIntervalSeconds * 1000);
  }

  private syncConfig(specs: BackendSpec[]): void {
    const ids = new Set(specs.map((s) => s.id));
    for (const entry of [...this.entries.values()]) {
      if (entry.source === "config" && !ids.has(entry.spec.id)) {
        this.entries.delete(entry.spec.id);
        this.ctx.storage.sql.exec("DELETE FROM backends WHERE id = ?", entry.spec.id);
      }
    }
    for (const spec of specs) {
      const existing = this.entries.get(spec.id);
      this.saveEntry(
        existing
          ? { ...existing, spec, source: "config" }
          : { spec, source: "config", enabled: true, healthy: null, lastHealthAt: null, breaker: closedBreaker(), served: { started: 0, succeeded: 0, failed: 0 } },
      );
    }
  }

  /** Sends a TASKS message to each waiter that now has a slot (oldest first). */
  private wakeWaiters(): void {
    if (this.waitlist.size === 0) return;
    const now = Date.now();
    const ids = this.waitlist.wake((want) => this.freeSlots(want, now), now);
    for (let i = 0; i < ids.length; i += 100) {
      const batch = ids.slice(i, i + 100).map((taskId) => ({ body: { taskId }, contentType: "json" as const }));
      // If a wake is lost, the waiter's fallback re-check (TASK_NO_BACKEND_DELAY_SECONDS) or the alarm brings it back.
      this.ctx.waitUntil(this.env.TASKS.sendBatch(batch).catch(() => undefined));
    }
  }

  /** Slots a job of kind `want` could take now (a half-open backend offers one probe). */
  private freeSlots(want: Want, now: number): number {
    let free = 0;
    for (const e of this.entries.values()) {
      if (!e.enabled || e.healthy === false || e.spec.protocol !== want.protocol || !e.spec.capabilities.includes(want.capability)) continue;
      const gate = admits(e.breaker, this.breakerSettings(), now, this.probeOut(e.spec.id));
      if (!gate.ok) continue;
      const room = Math.max(0, e.spec.capacity - this.inFlight(e.spec.id));
      free += gate.probe ? Math.min(1, room) : room;
    }
    return free;
  }

  private breakerSettings(): BreakerSettings {
    const t = loadConfig(this.env).tasks;
    return { failureThreshold: t.breakerFailureThreshold, cooldownMs: t.breakerCooldownSeconds * 1000 };
  }

  private inFlight(backendId: string): number {
    let n = 0;
    for (const lease of this.leases.values()) if (lease.backendId === backendId) n++;
    return n;
  }

  private probeOut(backendId: string): boolean {
    for (const lease of this.leases.values()) if (lease.backendId === backendId && lease.probe) return true;
    return false;
  }

  private saveEntry(entry: PoolEntry): void {
    this.entries.set(entry.spec.id, entry);
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO backends (id, data) VALUES (?, ?)", entry.spec.id, JSON.stringify(entry));
  }

  private saveLease(taskId: string, lease: Lease): void {
    this.leases.set(taskId, lease);
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO leases (task_id, data) VALUES (?, ?)", taskId, JSON.stringify(lease));
  }

  private view(e: PoolEntry): BackendView {
    return {
      ...e.spec,
      source: e.source,
      enabled: e.enabled,
      inFlight: this.inFlight(e.spec.id),
      healthy: e.healthy,
      lastHealthAt: e.lastHealthAt === null ? null : new Date(e.lastHealthAt).toISOString(),
      breaker: {
        state: e.breaker.state,
        consecutiveFailures: e.breaker.consecutiveFailures,
        openedAt: e.breaker.openedAt === null ? null : new Date(e.breaker.openedAt).toISOString(),
      },
      served: { ...e.served },
    };
  }
}

// BackendPool: one Durable Object ("pool") owns the GPU backend pool (the seed's service
// discovery), so in-flight counts, circuit breakers and health have one strongly consistent owner.
//
// Responsibilities:
// - know every backend: config-declared ones (BACKENDS var, synced at start) and runtime ones (`register`);
// - `acquire`: hand one task a slot on the least-loaded capable backend; idempotent per task;
// - `release`: free the slot and feed the job's outcome to that backend's breaker;
// - a FIFO waitlist: a slot that frees is granted to the oldest waiting task, which is woken;
// - an alarm that probes health, reclaims leases whose task never released them, wakes waiters.
import { DurableObject } from "cloudflare:workers";
import { loadConfig } from "../src/config";
import type { BackendLease, BackendSpec, BackendView } from "../src/protocol/tasks";
import { afterOutcome, type BreakerSettings, closedBreaker, probing } from "./pool/breaker";
import { probeHealth } from "./pool/health";
import { anyCapable, type Candidate, pickBackend, type PoolEntry } from "./pool/select";
import { Waitlist, type Want } from "./pool/waitlist";

interface Lease {
  backendId: string;
  expiresAt: number;
  probe: boolean;
}

export type AcquireResult = { ok: true; lease: BackendLease } | { ok: false; reason: "busy" | "no_capable_backend" };

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
    // First come first served: nobody overtakes a task that has been waiting for the same kind of slot.
    const pick = this.waitlist.hasOlder(taskId, want)
      ? undefined
      : pickBackend(
          this.entries.values(),
          want,
          (id) => this.inFlight(id),
          (id) => this.probeOut(id),
          this.breakerSettings(),
          now,
        );
    if (!pick) {
      this.waitlist.add(taskId, want, leaseSeconds, now);
      return { ok: false, reason: anyCapable(this.entries.values(), want) ? "busy" : "no_capable_backend" };
    }
    this.grant(taskId, pick, leaseSeconds, now);
    return { ok: true, lease: { taskId, backend: pick.entry.spec } };
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
  async register(
    spec: BackendSpec,
  ): Promise<{ ok: true; backend: BackendView } | { ok: false; reason: "config_backend" }> {
    const existing = this.entries.get(spec.id);
    if (existing?.source === "config") return { ok: false, reason: "config_backend" };
    const entry: PoolEntry = existing
      ? { ...existing, spec }
      : {
          spec,
          source: "runtime",
          enabled: true,
          healthy: null,
          lastHealthAt: null,
          breaker: closedBreaker(),
          served: { started: 0, succeeded: 0, failed: 0 },
        };
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
          : {
              spec,
              source: "config",
              enabled: true,
              healthy: null,
              lastHealthAt: null,
              breaker: closedBreaker(),
              served: { started: 0, succeeded: 0, failed: 0 },
            },
      );
    }
  }

  /** Takes a slot on the picked backend for `taskId` (its lease; the half-open probe if so). */
  private grant(taskId: string, pick: Candidate, leaseSeconds: number, now: number): void {
    const { entry, probe } = pick;
    this.waitlist.remove(taskId);
    if (probe) entry.breaker = probing(entry.breaker);
    entry.served.started++;
    this.saveEntry(entry);
    this.saveLease(taskId, { backendId: entry.spec.id, expiresAt: now + leaseSeconds * 1000, probe });
  }

  /**
   * Grants free slots to waiters, oldest first, and sends each of them a TASKS message; their
   * dispatch then finds the lease held. A lost message costs only time: the waiter's fallback
   * re-check (TASK_NO_BACKEND_DELAY_SECONDS) finds the same lease.
   */
  private wakeWaiters(): void {
    if (this.waitlist.size === 0) return;
    const now = Date.now();
    const full = new Set<string>();
    const woken: string[] = [];
    for (const w of this.waitlist.ordered()) {
      const kind = `${w.capability}|${w.protocol}`;
      if (full.has(kind)) continue;
      const pick = pickBackend(
        this.entries.values(),
        w,
        (id) => this.inFlight(id),
        (id) => this.probeOut(id),
        this.breakerSettings(),
        now,
      );
      if (!pick) {
        full.add(kind);
        continue;
      }
      this.grant(w.taskId, pick, w.leaseSeconds, now);
      woken.push(w.taskId);
    }
    for (let i = 0; i < woken.length; i += 100) {
      const batch = woken.slice(i, i + 100).map((taskId) => ({ body: { taskId }, contentType: "json" as const }));
      this.ctx.waitUntil(this.env.TASKS.sendBatch(batch).catch(() => undefined));
    }
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
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO backends (id, data) VALUES (?, ?)",
      entry.spec.id,
      JSON.stringify(entry),
    );
  }

  private saveLease(taskId: string, lease: Lease): void {
    this.leases.set(taskId, lease);
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO leases (task_id, data) VALUES (?, ?)",
      taskId,
      JSON.stringify(lease),
    );
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

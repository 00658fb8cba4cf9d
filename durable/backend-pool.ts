// BackendPool: one Durable Object ("pool") owns the GPU backend pool (the seed's service
// discovery), so in-flight counts, circuit breakers and health have one strongly consistent owner.
//
// Responsibilities:
// - know every backend: config-declared ones (BACKENDS var, synced at start) and runtime ones (`register`);
// - `acquire`: put one task in line and, when its turn comes, give it a slot on its session's
//   warm backend or the least-loaded capable one; idempotent per task;
// - `release`: free the slot, feed the job's outcome to that backend's breaker, measure the
//   capability's service rate;
// - the line is a weighted fair queue per capability and priority (users, tenants; a per-user
//   concurrency cap): a slot that frees is granted to the next waiter, which is woken;
// - `place`: a waiting task's position and ETA;
// - an alarm that probes health, reclaims leases whose task never released them, wakes waiters.
import { DurableObject } from "cloudflare:workers";
import { loadConfig } from "../src/config";
import type { BackendLease, BackendSpec, BackendView, QueuePlace } from "../src/protocol/tasks";
import { afterOutcome, type BreakerSettings, closedBreaker, probing } from "./pool/breaker";
import { probeHealth } from "./pool/health";
import { Affinity, sessionOf } from "./pool/affinity";
import { type Ask, FairQueue, type Flow, type Waiter } from "./pool/fair-queue";
import { anyCapable, type Candidate, pickWithPreference, type PoolEntry } from "./pool/select";
import { ServiceRates } from "./pool/service-rate";

interface Lease {
  backendId: string;
  expiresAt: number;
  probe: boolean;
  /** Absent on leases taken before fair queuing. */
  userId?: string;
  capability?: string;
  grantedAt?: number;
}

export type AcquireResult =
  | { ok: true; lease: BackendLease }
  | { ok: false; reason: "busy" | "no_capable_backend"; queue?: QueuePlace };

export type JobOutcome = "success" | "failure" | "neutral";

export class BackendPool extends DurableObject<Env> {
  private entries = new Map<string, PoolEntry>();
  private leases = new Map<string, Lease>();
  /** Leases per user (the per-user concurrency cap). */
  private running = new Map<string, number>();
  private queue!: FairQueue;
  private rates!: ServiceRates;
  private affinity!: Affinity;

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
        const lease = JSON.parse(row.data) as Lease;
        this.leases.set(row.task_id, lease);
        if (lease.userId) this.running.set(lease.userId, (this.running.get(lease.userId) ?? 0) + 1);
      }
      this.queue = new FairQueue(sql);
      this.rates = new ServiceRates(sql);
      this.affinity = new Affinity(sql);
      this.syncConfig(loadConfig(env).tasks.backends);
      if ((await ctx.storage.getAlarm()) === null) await ctx.storage.setAlarm(Date.now() + 1_000);
    });
  }

  /**
   * Puts `taskId` in line for a slot that fits `ask` and dispatches the line: when its turn
   * comes at once it gets a lease (on its session's warm backend if that may take it), else it
   * waits and is woken by a TASKS message when a slot is granted to it. Asking again for the
   * same task returns the same lease (or keeps its place), so a redelivered message never takes
   * two slots. `leaseSeconds` bounds how long a silent task may hold the slot.
   */
  async acquire(taskId: string, ask: Ask, leaseSeconds: number): Promise<AcquireResult> {
    const held = this.leases.get(taskId);
    const heldEntry = held && this.entries.get(held.backendId);
    if (heldEntry) return { ok: true, lease: { taskId, backend: heldEntry.spec } };
    const now = Date.now();
    this.queue.add(taskId, ask, this.flowOf(ask.userId), leaseSeconds, now);
    this.dispatch(now, taskId);
    const granted = this.leases.get(taskId);
    const entry = granted && this.entries.get(granted.backendId);
    if (entry) return { ok: true, lease: { taskId, backend: entry.spec } };
    const queue = this.placeOf(taskId);
    return {
      ok: false,
      reason: anyCapable(this.entries.values(), ask) ? "busy" : "no_capable_backend",
      ...(queue ? { queue } : {}),
    };
  }

  /** A waiting task's place in line, or undefined when it is not waiting. */
  async place(taskId: string): Promise<QueuePlace | undefined> {
    return this.placeOf(taskId);
  }

  /**
   * Frees `taskId`'s slot (or its place in the waitlist) and records how the job went; a
   * second release is a no-op. Wakes the next waiters for the freed capacity.
   */
  async release(taskId: string, outcome: JobOutcome): Promise<boolean> {
    const waited = this.queue.remove(taskId);
    const lease = this.leases.get(taskId);
    if (!lease) {
      if (waited) this.dispatch(Date.now());
      return waited;
    }
    this.dropLease(taskId, lease);
    if (outcome === "success" && lease.capability && lease.grantedAt !== undefined) {
      this.rates.record(lease.capability, Date.now() - lease.grantedAt);
    }
    const entry = this.entries.get(lease.backendId);
    if (entry) {
      entry.breaker = afterOutcome(entry.breaker, this.breakerSettings(), outcome, lease.probe, Date.now());
      if (outcome === "success") entry.served.succeeded++;
      if (outcome === "failure") entry.served.failed++;
      this.saveEntry(entry);
    }
    this.dispatch(Date.now());
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
    this.dispatch(Date.now());
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
    this.dispatch(Date.now());
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
    this.queue.purge((cfg.maxQueueSeconds + 60) * 1000, Date.now());
    this.dispatch(Date.now());
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

  /** Takes a slot on the picked backend for waiter `w` (its lease; the half-open probe if so). */
  private grant(w: Waiter, pick: Candidate & { hit: boolean }, preferred: string | undefined, now: number): void {
    const { entry, probe } = pick;
    this.queue.granted(w.taskId);
    if (probe) entry.breaker = probing(entry.breaker);
    entry.served.started++;
    if (w.sessionKey !== undefined) {
      if (preferred !== undefined) {
        // A miss counts against the warm backend the session had to leave.
        const counted = pick.hit ? entry : this.entries.get(preferred);
        if (counted) {
          counted.affinity ??= { hits: 0, misses: 0 };
          if (pick.hit) counted.affinity.hits++;
          else counted.affinity.misses++;
          if (counted !== entry) this.saveEntry(counted);
        }
      }
      this.affinity.remember(sessionOf(w.userId, w.sessionKey), entry.spec.id, now);
    }
    this.saveEntry(entry);
    this.running.set(w.userId, (this.running.get(w.userId) ?? 0) + 1);
    this.saveLease(w.taskId, {
      backendId: entry.spec.id,
      expiresAt: now + w.leaseSeconds * 1000,
      probe,
      userId: w.userId,
      capability: w.capability,
      grantedAt: now,
    });
  }

  /**
   * Grants free slots to waiters in fair order and sends each of them (but `self`, the task
   * asking right now) a TASKS message; their dispatch then finds the lease held. A waiter whose
   * user already runs TASK_USER_CONCURRENCY tasks is passed over, not blocking the line. A lost
   * message costs only time: the waiter's fallback re-check finds the same lease.
   */
  private dispatch(now: number, self?: string): void {
    if (this.queue.size === 0) return;
    const cfg = loadConfig(this.env).tasks;
    const breaker = this.breakerSettings();
    const woken: string[] = [];
    for (const kind of this.queue.kinds()) {
      for (const w of [...this.queue.ordered(kind)]) {
        if ((this.running.get(w.userId) ?? 0) >= cfg.userConcurrency) continue;
        const preferred =
          w.sessionKey === undefined ? undefined : this.affinity.backendOf(sessionOf(w.userId, w.sessionKey));
        const pick = pickWithPreference(
          this.entries,
          w,
          preferred === undefined ? undefined : { backendId: preferred, maxLoadPercent: cfg.affinityMaxLoadPercent },
          (id) => this.inFlight(id),
          (id) => this.probeOut(id),
          breaker,
          now,
        );
        // No backend of this kind has room: nobody further down the line would get one either.
        if (!pick) break;
        this.grant(w, pick, preferred, now);
        if (w.taskId !== self) woken.push(w.taskId);
      }
    }
    for (let i = 0; i < woken.length; i += 100) {
      const batch = woken.slice(i, i + 100).map((taskId) => ({ body: { taskId }, contentType: "json" as const }));
      this.ctx.waitUntil(this.env.TASKS.sendBatch(batch).catch(() => undefined));
    }
  }

  /** Position, tasks ahead and (once measured) the ETA of a waiting task. */
  private placeOf(taskId: string): QueuePlace | undefined {
    const w = this.queue.get(taskId);
    const ahead = this.queue.ahead(taskId);
    if (!w || ahead === undefined) return undefined;
    let slots = 0;
    for (const e of this.entries.values()) {
      if (
        e.enabled &&
        e.healthy !== false &&
        e.spec.protocol === w.protocol &&
        e.spec.capabilities.includes(w.capability)
      )
        slots += e.spec.capacity;
    }
    const etaMs = this.rates.etaMs(w.capability, ahead + 1, slots);
    return { position: ahead + 1, ahead, ...(etaMs !== undefined ? { etaMs } : {}) };
  }

  /** The fair-queuing share of a user: the tenant it belongs to, or itself with weight 1. */
  private flowOf(userId: string): Flow {
    const tenant = loadConfig(this.env).tasks.tenants.find((t) => t.users.includes(userId));
    return tenant ? { id: `t:${tenant.id}`, weight: tenant.weight } : { id: `u:${userId}`, weight: 1 };
  }

  private dropLease(taskId: string, lease: Lease): void {
    this.leases.delete(taskId);
    this.ctx.storage.sql.exec("DELETE FROM leases WHERE task_id = ?", taskId);
    if (lease.userId) {
      const n = (this.running.get(lease.userId) ?? 1) - 1;
      if (n > 0) this.running.set(lease.userId, n);
      else this.running.delete(lease.userId);
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
      affinity: { ...(e.affinity ?? { hits: 0, misses: 0 }) },
    };
  }
}

// TaskRun: one Durable Object per compute task: its state machine, its event log, its
// subscribers, and the holder of its running attempt (docs/decisions/0030).
//
// Responsibilities:
// - status only moves forward: (waiting ->) queued -> running -> succeeded|failed|canceled;
// - a task submitted with `after` waits for those tasks and is queued with their results;
// - `dispatch` (from the TASKS consumer) claims the task once, takes a backend slot from the
//   BackendPool and starts the attempt; redeliveries find it claimed and do nothing;
// - while it waits in the pool's line, its place (`queue`) is followed and sent to subscribers;
// - holds the OpenAI stream / receives plaza-job callbacks, appending output to a seq'd log;
// - retries transient failures itself (its own failure budget), fails past the budget;
// - an alarm watchdog for deadlines, silent backends and lost streams;
// - hibernating subscriber sockets with `since` resume; D1 row and owner's inbox kept current.
import { DurableObject } from "cloudflare:workers";
import { loadConfig } from "../src/config";
import { CloseCode, readIdentity } from "../src/protocol/identity";
import { closeAllSockets, untrackIfIdle } from "./socket-owners";
import { answerClose, closeSocket, closeSockets, readAttachment, sendFrame, sessionTag } from "./sockets/connection";
import { refuseFlood } from "./sockets/flood";
import { frameBytes } from "./sockets/frames";
import { Budgets } from "./sockets/rate";
import type { JsonValue } from "../src/protocol/json";
import { PING_FRAME, PONG_FRAME, errorFrame } from "../src/protocol/protocol";
import { findTaskType, type LlmChatInput, type TaskType } from "../src/protocol/task-types";
import type { CallbackOutcome, JobCallback, Task } from "../src/protocol/tasks";
import { AttemptError, toAttemptError } from "./task/attempt-error";
import { streamChat } from "./task/openai";
import { cancelJob, jobEvents, startPlazaJob } from "./task/plaza-job";
import { OutputBuffer } from "./task/output-buffer";
import { acceptSubscriber, sinceParam } from "./task/sockets";
import {
  eventsSince,
  initStore,
  type JobState,
  lastSeq,
  loadState,
  type NewTask,
  saveState,
  toTask,
} from "./task/store";
import { D1_RETRY_MS, RETRY_RESEND_GRACE_MS, TaskMachine } from "./task/machine";
import { watchdogVerdict } from "./task/watchdog";
import { recordTokens } from "./task/usage";
import { partialResult } from "./task/partial";
import { applyDependency, DEPENDENCY_RECHECK_MS } from "./task/dependencies";
import { nextQueueStep, QUEUE_EVENT_INTERVAL_MS } from "./task/queue-watch";

export type { NewTask } from "./task/store";

/** What the TASKS consumer does with the message that asked for this dispatch. */
export type DispatchOutcome =
  | { outcome: "started" | "running" | "finished" | "missing" }
  | { outcome: "wait"; delaySeconds: number };

export class TaskRun extends DurableObject<Env> {
  /** The task's state machine: state, live stream, events, publishing. */
  private readonly machine: TaskMachine;
  /** Frame budgets per subscriber socket (made on the first frame other than a ping). */
  private budgets: Budgets<WebSocket> | undefined;
  private dispatching = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.machine = new TaskMachine(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    ctx.blockConcurrencyWhile(async () => {
      initStore(ctx.storage);
      this.machine.state = await loadState(ctx.storage);
    });
  }

  private get state() {
    return this.machine.state;
  }

  /** Creates the task (idempotent: a second call returns the existing task unchanged). */
  async init(task: NewTask): Promise<Task> {
    if (!this.machine.state) {
      const waits = (task.after?.length ?? 0) > 0;
      this.machine.state = {
        ...task,
        status: waits ? "waiting" : "queued",
        phase: waits ? "waiting" : "queued",
        progress: 0,
        attempts: 0,
        failures: 0,
        d1Dirty: false,
      };
      await saveState(this.ctx.storage, this.machine.state);
      this.machine.emit({ kind: "status", status: this.machine.state.status });
      if (waits) await this.ctx.storage.setAlarm(Date.now() + DEPENDENCY_RECHECK_MS);
    }
    return toTask(this.machine.state);
  }

  /**
   * Registers this waiting task with each of its dependencies and applies what they say now;
   * returns the task. Called by submit after `init`; the alarm repeats the check.
   */
  async watchDependencies(): Promise<Task | undefined> {
    const s = this.state;
    if (!s) return undefined;
    for (const depId of s.after ?? []) {
      if (this.state?.phase !== "waiting") break;
      const dep = this.env.TASK.get(this.env.TASK.idFromName(depId));
      await this.dependencyDone(depId, await dep.addDependent(s.id));
    }
    return this.state && toTask(this.state);
  }

  /** Remembers a task that waits for this one; returns this task now (so it can act at once). */
  async addDependent(taskId: string): Promise<Task | undefined> {
    const s = this.state;
    if (!s) return undefined;
    if (!s.dependents?.includes(taskId)) {
      s.dependents = [...(s.dependents ?? []), taskId];
      await saveState(this.ctx.storage, s);
    }
    return toTask(s);
  }

  /** A dependency `depId` has (or may have) finished: queue this task, fail it, or keep waiting. */
  async dependencyDone(depId: string, dep: Task | undefined): Promise<void> {
    const s = this.state;
    if (s?.phase !== "waiting") return;
    const step = applyDependency(s, depId, dep);
    if (step.action === "fail") {
      await this.machine.finish("failed", { error: { code: "dependency_failed", message: step.message } });
      return;
    }
    if (step.action === "wait") return saveState(this.ctx.storage, s);
    s.input = step.input;
    s.status = "queued";
    s.phase = "queued";
    s.afterResults = undefined;
    await saveState(this.ctx.storage, s);
    this.machine.emit({ kind: "status", status: "queued" });
    await this.env.TASKS.send({ taskId: s.id }, { contentType: "json" });
    this.ctx.waitUntil(this.machine.publish(true));
  }

  /** The task now (a waiting task's place asked of the pool), or undefined if this object holds none. */
  async snapshot(): Promise<Task | undefined> {
    if (this.state?.phase === "queued") await this.followQueue();
    return this.state && toTask(this.state, { withInput: true });
  }

  /**
   * Claims and starts the task once. A redelivered or duplicate message finds it claimed
   * (`running`) or done (`finished`); no free backend answers `wait` without spending the
   * task's failure budget.
   */
  async dispatch(): Promise<DispatchOutcome> {
    const s = this.state;
    if (!s) return { outcome: "missing" };
    if (s.phase === "done") return { outcome: "finished" };
    // Not yet: its dependencies queue it (with a message of its own) once they have succeeded.
    if (s.phase === "waiting") return { outcome: "running" };
    if (s.phase === "starting" || s.phase === "active" || this.dispatching) return { outcome: "running" };
    const type = findTaskType(s.type);
    if (!type)
      return this.machine
        .finish("failed", { error: { code: "unknown_type", message: `No task type ${s.type}.` } })
        .then(() => ({ outcome: "finished" as const }));
    this.dispatching = true;
    try {
      const cfg = loadConfig(this.env).tasks;
      const pool = this.env.BACKENDS_POOL.get(this.env.BACKENDS_POOL.idFromName("pool"));
      const got = await pool.acquire(
        s.id,
        {
          capability: type.capability,
          protocol: type.protocol,
          userId: s.userId,
          priority: s.priority,
          sessionKey: s.sessionKey,
        },
        type.timeoutSeconds + 60,
      );
      if (this.state?.phase === "done") {
        if (got.ok) await pool.release(s.id, "neutral");
        return { outcome: "finished" };
      }
      if (!got.ok) {
        if (Date.now() - s.createdAt > cfg.maxQueueSeconds * 1000) {
          const message =
            got.reason === "no_capable_backend"
              ? `No backend offers ${type.capability}.`
              : "No backend had room in time.";
          await this.machine.finish("failed", { error: { code: "no_backend", message } });
          return { outcome: "finished" };
        }
        await this.applyPlace(got.queue);
        return { outcome: "wait", delaySeconds: cfg.noBackendDelaySeconds };
      }
      await this.startAttempt(type, got.lease.backend);
      return { outcome: "started" };
    } finally {
      this.dispatching = false;
    }
  }

  /** Cancels the task; reaches the backend (stream aborted, or the job's cancel called). */
  async cancel(): Promise<{ task: Task; changed: boolean } | undefined> {
    const s = this.state;
    if (!s) return undefined;
    const job = s.job;
    // What the attempt produced before the cancel stays as the result, marked partial.
    const partial = job && s.phase !== "done" ? partialResult(this.ctx.storage) : undefined;
    const changed = await this.machine.finish("canceled", partial !== undefined ? { result: partial } : {});
    if (changed && job?.backend.protocol === "plaza-job") this.ctx.waitUntil(cancelJob(job.backend, job.jobId));
    return { task: toTask(s), changed };
  }

  /** Applies a plaza-job callback; duplicates, stale attempts and late ones change nothing. */
  async callback(cb: JobCallback): Promise<CallbackOutcome> {
    const s = this.state;
    if (!s || s.phase === "done") return "finished";
    const job = s.job;
    if (!job || job.jobId !== cb.jobId) return "late";
    if (cb.seq <= job.lastSeq) return "duplicate";
    job.lastSeq = cb.seq;
    job.lastActivityAt = Date.now();
    if (s.phase === "starting") s.phase = "active";
    const type = findTaskType(s.type)!;
    switch (cb.kind) {
      case "progress":
        if (cb.progress > s.progress) {
          s.progress = cb.progress;
          this.machine.emit({ kind: "progress", progress: cb.progress });
        }
        break;
      case "output":
        // Parsed from a JSON body, so it is JSON.
        this.machine.emit({ kind: "output", data: (cb.data ?? null) as JsonValue });
        break;
      case "log":
        this.machine.emit({ kind: "log", message: cb.message });
        break;
      case "result":
        await saveState(this.ctx.storage, s);
        await this.machine.succeed(type, job, cb.result);
        return "applied";
      case "error":
        await this.machine.attemptFailed(
          job,
          new AttemptError(cb.code, cb.message, cb.retryable, cb.retryable ? "backend" : "none"),
        );
        return "applied";
    }
    await saveState(this.ctx.storage, s);
    return "applied";
  }

  /** Fails the task from outside (its queue message was dead-lettered); no-op once finished. */
  async abandon(code: string, message: string): Promise<boolean> {
    if (!this.state) return false;
    return this.machine.finish("failed", { error: { code, message } });
  }

  /** Closes the sockets of session `sid` (logout); returns how many. */
  async endSession(sid: string): Promise<number> {
    return closeSockets(this.ctx.getWebSockets(sessionTag(sid)), CloseCode.sessionEnded, "session ended");
  }

  /** Only upgrades: the Worker has checked the caller owns the task; checked again here. */
  override async fetch(request: Request): Promise<Response> {
    const identity = readIdentity(request);
    if (!identity || request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected an authenticated websocket upgrade", { status: 400 });
    }
    const s = this.state;
    if (!s || s.userId !== identity.userId) return new Response("no such task", { status: 404 });
    const since = sinceParam(request.url);
    // A new watcher of a waiting task: follow its place from now on (the alarm, once a second).
    if (s.phase === "queued") await this.ctx.storage.setAlarm(Date.now() + QUEUE_EVENT_INTERVAL_MS);
    return acceptSubscriber(
      this.ctx,
      identity,
      { task: toTask(s, { withInput: true }), seq: lastSeq(this.ctx.storage) },
      eventsSince(this.ctx.storage, since),
      s.phase === "done",
    );
  }

  /** Pings are answered by the runtime; anything else is capped in size and rate, then refused. */
  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    if (readAttachment(ws)?.gone) return;
    const limits = loadConfig(this.env).tasks.socket;
    if (frameBytes(data, limits.maxFrameBytes) > limits.maxFrameBytes) return closeSocket(ws, 1009, "frame too large");
    const now = Date.now();
    this.budgets ??= new Budgets(limits);
    const bucket = this.budgets.of(ws, now);
    const verdict = bucket.take(now);
    if (verdict !== "allow") return refuseFlood(ws, verdict, bucket, now);
    sendFrame(ws, errorFrame("unsupported_frame", "The task socket accepts no frames besides ping."));
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    answerClose(ws, code);
    this.budgets?.drop(ws);
    untrackIfIdle(this.ctx);
  }

  /** Closes every subscriber with 1001 because the server is stopping; returns how many. */
  async goingAway(): Promise<number> {
    return closeAllSockets(this.ctx);
  }

  /** The watchdog: deadlines, silent backends, streams lost to a restart, lost retry messages, D1 lag. */
  override async alarm(): Promise<void> {
    const s = this.state;
    if (!s) return;
    if (s.d1Dirty) await this.machine.publish(false);
    if (s.phase === "queued") return this.followQueue();
    if (s.phase === "waiting") {
      await this.watchDependencies();
      if (this.state?.phase === "waiting") await this.ctx.storage.setAlarm(Date.now() + DEPENDENCY_RECHECK_MS);
      return;
    }
    const now = Date.now();
    const silenceMs = loadConfig(this.env).tasks.silenceSeconds * 1000;
    const verdict = watchdogVerdict(s, {
      now,
      silenceMs,
      streamAlive: this.machine.streamAlive,
      streamActivity: this.machine.lastActivity,
      resendGraceMs: RETRY_RESEND_GRACE_MS,
    });
    const job = s.job;
    switch (verdict.action) {
      case "idle":
        if (s.d1Dirty) await this.ctx.storage.setAlarm(now + D1_RETRY_MS);
        return;
      case "resend":
        await this.env.TASKS.send({ taskId: s.id });
        return this.ctx.storage.setAlarm(verdict.next);
      case "rearm":
        return this.ctx.storage.setAlarm(verdict.at);
      case "timeout": {
        const limit = findTaskType(s.type)?.timeoutSeconds ?? 0;
        await this.machine.finish("failed", {
          error: { code: "timeout", message: `The task exceeded its ${limit} s limit.` },
        });
        if (job?.backend.protocol === "plaza-job") this.ctx.waitUntil(cancelJob(job.backend, job.jobId));
        return;
      }
      case "interrupted":
        return this.machine.attemptFailed(
          job!,
          new AttemptError("interrupted", "The stream was lost when the task's object restarted.", true, "none"),
        );
      case "silent":
        // A job whose callbacks were lost (this server was down) is followed again, not run twice.
        if (job!.backend.protocol === "plaza-job" && (await this.reattach(job!))) return;
        if (job!.backend.protocol === "plaza-job") this.ctx.waitUntil(cancelJob(job!.backend, job!.jobId));
        return this.machine.attemptFailed(
          job!,
          new AttemptError(
            "backend_silent",
            `Backend ${job!.backend.id} sent nothing for ${silenceMs / 1000} s.`,
            true,
            "backend",
          ),
        );
    }
  }

  /**
   * Re-attaches to a plaza-job job that went silent: asks its backend for the callbacks after
   * the last one applied and applies them in order (the same path as live callbacks, so each is
   * applied once). True when the backend still knows the job; then it is not run again.
   */
  private async reattach(job: JobState): Promise<boolean> {
    const caught = await jobEvents(job.backend, job.jobId, job.lastSeq);
    if (!caught || !this.machine.isCurrent(job)) return false;
    for (const cb of caught.events) {
      if (!this.machine.isCurrent(job)) return true;
      await this.callback(cb);
    }
    const s = this.state;
    if (!s || !this.machine.isCurrent(job)) return true;
    if (caught.state !== "running") {
      // It ended without a verdict we could read (canceled on its side): run it again.
      return false;
    }
    job.lastActivityAt = Date.now();
    if (s.phase === "starting") s.phase = "active";
    await saveState(this.ctx.storage, s);
    this.machine.emit({ kind: "log", message: `re-attached to job ${job.jobId} on backend ${job.backend.id}` });
    await this.ctx.storage.setAlarm(Date.now() + loadConfig(this.env).tasks.silenceSeconds * 1000);
    return true;
  }

  /**
   * Asks the pool for this waiting task's place and applies it. Followed by the alarm once a
   * second while someone watches; unwatched tasks are asked only when read.
   */
  private async followQueue(): Promise<void> {
    const s = this.state;
    if (s?.phase !== "queued") return;
    try {
      const pool = this.env.BACKENDS_POOL.get(this.env.BACKENDS_POOL.idFromName("pool"));
      await this.applyPlace(await pool.place(s.id));
    } catch {
      // The place is a courtesy: the last known one stays until the pool answers again.
    }
    if (this.ctx.getWebSockets().length > 0 && this.state?.phase === "queued") {
      await this.ctx.storage.setAlarm(Date.now() + QUEUE_EVENT_INTERVAL_MS);
    }
  }

  /** Records a place from the pool; emits a `queue` event now or at the end of the coalescing second. */
  private async applyPlace(place: Task["queue"]): Promise<void> {
    const s = this.state;
    if (!s) return;
    const step = nextQueueStep(s, place, Date.now());
    if (step.emit) this.machine.emit(step.emit);
    if (place) await saveState(this.ctx.storage, s);
    if (step.retryAt !== undefined) {
      const current = await this.ctx.storage.getAlarm();
      if (current === null || current > step.retryAt) await this.ctx.storage.setAlarm(step.retryAt);
    }
  }

  private async startAttempt(type: TaskType, backend: JobState["backend"]): Promise<void> {
    const s = this.state!;
    const now = Date.now();
    s.queue = undefined;
    s.backendId = backend.id;
    s.attempts++;
    const job: JobState = { jobId: `${s.id}.${s.attempts}`, backend, startedAt: now, lastSeq: -1, lastActivityAt: now };
    s.job = job;
    s.phase = "starting";
    s.retryAt = undefined;
    const first = s.status === "queued";
    if (first) {
      s.status = "running";
      s.startedAt = now;
      s.deadline = now + type.timeoutSeconds * 1000;
    }
    await saveState(this.ctx.storage, s);
    if (first) this.machine.emit({ kind: "status", status: "running" });
    this.machine.emit({ kind: "assigned", backendId: backend.id });
    this.machine.emit({ kind: "log", message: `attempt ${s.attempts} started on backend ${backend.id}` });
    await this.ctx.storage.setAlarm(now + loadConfig(this.env).tasks.silenceSeconds * 1000);
    this.ctx.waitUntil(this.runAttempt(type, job));
    // Not awaited: the consumer's ack should not wait for D1 and the inbox (a failed write is retried by the alarm).
    this.ctx.waitUntil(this.machine.publish(first));
  }

  private async runAttempt(type: TaskType, job: JobState): Promise<void> {
    const s = this.state!;
    let controller: AbortController | undefined;
    try {
      const cfg = loadConfig(this.env);
      if (job.backend.protocol === "openai") {
        controller = this.machine.openStream();
        const input = s.input as LlmChatInput;
        const output = new OutputBuffer(
          cfg.tasks.outputFlushMs,
          (text) => this.machine.isCurrent(job) && this.machine.emit({ kind: "output", text }),
        );
        let deltas = 0;
        const result = await streamChat(job.backend, job.jobId, input, controller.signal, (text) => {
          if (!this.machine.isCurrent(job)) return;
          this.machine.lastActivity = Date.now();
          s.phase = "active";
          s.progress = Math.min(0.99, ++deltas / input.maxTokens);
          output.add(text);
        }).finally(() => output.flush());
        // The budget counts what the backend reports; a failed count is not worth failing the task.
        if (result.usage) this.ctx.waitUntil(recordTokens(this.env.DB, s.userId, result.usage).catch(() => undefined));
        if (this.machine.isCurrent(job)) await this.machine.succeed(type, job, result);
      } else {
        await startPlazaJob(s, job, {
          publicUrl: cfg.tasks.publicUrl,
          jwt: cfg.jwt,
          tokenTtlSeconds: type.timeoutSeconds + 600,
        });
        if (this.machine.isCurrent(job) && s.phase === "starting") {
          s.phase = "active";
          await saveState(this.ctx.storage, s);
        }
      }
    } catch (err) {
      if (this.machine.isCurrent(job)) await this.machine.attemptFailed(job, toAttemptError(err));
    } finally {
      if (controller) this.machine.settleStream(controller);
    }
  }
}

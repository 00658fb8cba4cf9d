// TaskRun: one Durable Object per compute task: its state machine, its event log, its
// subscribers, and the holder of its running attempt (docs/decisions/0030).
//
// Responsibilities:
// - status only moves forward: queued -> running -> succeeded|failed|canceled;
// - `dispatch` (from the TASKS consumer) claims the task once, takes a backend slot from the
//   BackendPool and starts the attempt; redeliveries find it claimed and do nothing;
// - holds the OpenAI stream / receives plaza-job callbacks, appending output to a seq'd log;
// - retries transient failures itself (its own failure budget), fails past the budget;
// - an alarm watchdog for deadlines, silent backends and lost streams;
// - hibernating subscriber sockets with `since` resume; D1 row and owner's inbox kept current.
import { DurableObject } from "cloudflare:workers";
import { signTaskToken } from "../src/auth/tokens";
import { loadConfig } from "../src/config";
import { readIdentity } from "../src/shared/identity";
import type { JsonValue } from "../src/shared/json";
import { PING_FRAME, PONG_FRAME, errorFrame } from "../src/shared/protocol";
import { findTaskType, type LlmChatInput, retryDelaySeconds, type TaskType } from "../src/shared/task-types";
import {
  canTransition,
  isTerminal,
  type CallbackOutcome,
  type JobCallback,
  type Task,
  type TaskError,
  type TaskEventBody,
  type TaskPriority,
  type TaskStatus,
} from "../src/shared/tasks";
import type { JobOutcome } from "./backend-pool";
import { AttemptError, toAttemptError } from "./task/attempt-error";
import { streamChat } from "./task/openai";
import { cancelJob, postJob } from "./task/plaza-job";
import { notifyOwner, writeTaskRow } from "./task/publish";
import { storeResult } from "./task/results";
import { acceptSubscriber, broadcast, closeSubscribers, eventFrame, FINISHED_CLOSE, sinceParam } from "./task/sockets";
import { appendEvent, eventsSince, initStore, type JobState, lastSeq, loadState, saveState, type TaskState, toTask } from "./task/store";

/** What the Worker knows when it creates a task. */
export interface NewTask {
  id: string;
  userId: string;
  type: string;
  priority: TaskPriority;
  input: unknown;
  createdAt: number;
}

/** What the TASKS consumer does with the message that asked for this dispatch. */
export type DispatchOutcome =
  | { outcome: "started" | "running" | "finished" | "missing" }
  | { outcome: "wait"; delaySeconds: number };

const RETRY_RESEND_GRACE_MS = 30_000;
const D1_RETRY_MS = 5_000;

export class TaskRun extends DurableObject<Env> {
  private state: TaskState | undefined;
  /** The live OpenAI stream of this instance (gone if the object restarts: the watchdog notices). */
  private stream: AbortController | undefined;
  private lastActivity = 0;
  private dispatching = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    ctx.blockConcurrencyWhile(async () => {
      initStore(ctx.storage);
      this.state = await loadState(ctx.storage);
    });
  }

  /** Creates the task (idempotent: a second call returns the existing task unchanged). */
  async init(task: NewTask): Promise<Task> {
    if (!this.state) {
      this.state = { ...task, status: "queued", phase: "queued", progress: 0, attempts: 0, failures: 0, d1Dirty: false };
      await saveState(this.ctx.storage, this.state);
      this.emit({ kind: "status", status: "queued" });
    }
    return toTask(this.state);
  }

  /** The task now, or undefined if this object holds none. */
  async snapshot(): Promise<Task | undefined> {
    return this.state && toTask(this.state);
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
    if (s.phase === "starting" || s.phase === "active" || this.dispatching) return { outcome: "running" };
    const type = findTaskType(s.type);
    if (!type) return this.finish("failed", { error: { code: "unknown_type", message: `No task type ${s.type}.` } }).then(() => ({ outcome: "finished" as const }));
    this.dispatching = true;
    try {
      const cfg = loadConfig(this.env).tasks;
      const pool = this.env.BACKENDS_POOL.get(this.env.BACKENDS_POOL.idFromName("pool"));
      const got = await pool.acquire(s.id, { capability: type.capability, protocol: type.protocol }, type.timeoutSeconds + 60);
      if (this.state?.phase === "done") {
        if (got.ok) await pool.release(s.id, "neutral");
        return { outcome: "finished" };
      }
      if (!got.ok) {
        if (Date.now() - s.createdAt > cfg.maxQueueSeconds * 1000) {
          const message = got.reason === "no_capable_backend" ? `No backend offers ${type.capability}.` : "No backend had room in time.";
          await this.finish("failed", { error: { code: "no_backend", message } });
          return { outcome: "finished" };
        }
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
    const changed = await this.finish("canceled", {});
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
          this.emit({ kind: "progress", progress: cb.progress });
        }
        break;
      case "output":
        // Parsed from a JSON body, so it is JSON.
        this.emit({ kind: "output", data: (cb.data ?? null) as JsonValue });
        break;
      case "log":
        this.emit({ kind: "log", message: cb.message });
        break;
      case "result":
        await saveState(this.ctx.storage, s);
        await this.succeed(type, job, cb.result);
        return "applied";
      case "error":
        await this.attemptFailed(job, new AttemptError(cb.code, cb.message, cb.retryable, cb.retryable ? "backend" : "none"));
        return "applied";
    }
    await saveState(this.ctx.storage, s);
    return "applied";
  }

  /** Fails the task from outside (its queue message was dead-lettered); no-op once finished. */
  async abandon(code: string, message: string): Promise<boolean> {
    if (!this.state) return false;
    return this.finish("failed", { error: { code, message } });
  }

  /** Closes the sockets of session `sid` (logout); returns how many. */
  async endSession(sid: string): Promise<number> {
    return closeSubscribers(this.ctx, 4001, "session ended", sid);
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
    return acceptSubscriber(this.ctx, identity, { task: toTask(s), seq: lastSeq(this.ctx.storage) }, eventsSince(this.ctx.storage, since), s.phase === "done");
  }

  override async webSocketMessage(ws: WebSocket): Promise<void> {
    ws.send(errorFrame("unsupported_frame", "The task socket accepts no frames besides ping."));
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    if (code !== 1005 && code !== 1006) ws.close(code, "closing");
  }

  /** The watchdog: deadlines, silent backends, streams lost to a restart, lost retry messages, D1 lag. */
  override async alarm(): Promise<void> {
    const s = this.state;
    if (!s) return;
    if (s.d1Dirty) await this.publish(false);
    const now = Date.now();
    if (s.phase === "retry_wait") {
      if (now >= (s.retryAt ?? 0)) await this.env.TASKS.send({ taskId: s.id });
      return this.ctx.storage.setAlarm(now + RETRY_RESEND_GRACE_MS);
    }
    const job = s.job;
    if ((s.phase !== "starting" && s.phase !== "active") || !job) {
      if (s.d1Dirty) await this.ctx.storage.setAlarm(now + D1_RETRY_MS);
      return;
    }
    const silenceMs = loadConfig(this.env).tasks.silenceSeconds * 1000;
    if (s.deadline !== undefined && now >= s.deadline) {
      const type = findTaskType(s.type);
      await this.finish("failed", { error: { code: "timeout", message: `The task exceeded its ${type?.timeoutSeconds ?? "?"} s limit.` } });
      if (job.backend.protocol === "plaza-job") this.ctx.waitUntil(cancelJob(job.backend, job.jobId));
      return;
    }
    const isStream = job.backend.protocol === "openai";
    if (isStream && !this.stream) {
      return this.attemptFailed(job, new AttemptError("interrupted", "The stream was lost when the task's object restarted.", true, "none"));
    }
    const last = isStream ? Math.max(this.lastActivity, job.startedAt) : job.lastActivityAt;
    if (now - last >= silenceMs) {
      if (!isStream) this.ctx.waitUntil(cancelJob(job.backend, job.jobId));
      return this.attemptFailed(job, new AttemptError("backend_silent", `Backend ${job.backend.id} sent nothing for ${silenceMs / 1000} s.`, true, "backend"));
    }
    await this.ctx.storage.setAlarm(Math.min(s.deadline ?? Infinity, last + silenceMs));
  }

  private async startAttempt(type: TaskType, backend: JobState["backend"]): Promise<void> {
    const s = this.state!;
    const now = Date.now();
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
    if (first) this.emit({ kind: "status", status: "running" });
    this.emit({ kind: "log", message: `attempt ${s.attempts} started on backend ${backend.id}` });
    await this.ctx.storage.setAlarm(now + loadConfig(this.env).tasks.silenceSeconds * 1000);
    this.ctx.waitUntil(this.runAttempt(type, job));
    await this.publish(first);
  }

  private async runAttempt(type: TaskType, job: JobState): Promise<void> {
    const s = this.state!;
    try {
      if (job.backend.protocol === "openai") {
        const controller = new AbortController();
        this.stream = controller;
        this.lastActivity = Date.now();
        const input = s.input as LlmChatInput;
        let deltas = 0;
        const result = await streamChat(job.backend, job.jobId, input, controller.signal, (text) => {
          if (!this.isCurrent(job)) return;
          this.lastActivity = Date.now();
          s.phase = "active";
          s.progress = Math.min(0.99, ++deltas / input.maxTokens);
          this.emit({ kind: "output", text });
        });
        if (this.isCurrent(job)) await this.succeed(type, job, result);
      } else {
        const cfg = loadConfig(this.env);
        const base = cfg.tasks.publicUrl;
        const token = await signTaskToken({ taskId: s.id, jobId: job.jobId }, cfg.jwt, type.timeoutSeconds + 600);
        await postJob(job.backend, {
          jobId: job.jobId,
          taskId: s.id,
          type: s.type,
          input: s.input,
          callbackUrl: `${base}/v1/tasks/${s.id}/callback`,
          callbackToken: token,
          sourceUrl: `${base}/v1/tasks/${s.id}/source`,
          deadline: new Date(s.deadline ?? Date.now()).toISOString(),
        });
        if (this.isCurrent(job) && s.phase === "starting") {
          s.phase = "active";
          await saveState(this.ctx.storage, s);
        }
      }
    } catch (err) {
      if (this.isCurrent(job)) await this.attemptFailed(job, toAttemptError(err));
    } finally {
      if (job.backend.protocol === "openai" && this.state?.job?.jobId !== job.jobId) this.stream = undefined;
    }
  }

  private isCurrent(job: JobState): boolean {
    return this.state?.phase !== "done" && this.state?.job?.jobId === job.jobId;
  }

  private async succeed(type: TaskType, job: JobState, raw: unknown): Promise<void> {
    let result: JsonValue;
    try {
      result = await storeResult(this.env.MEDIA, type, this.state!.id, raw, loadConfig(this.env).tasks.resultInlineBytes);
    } catch (err) {
      if (this.isCurrent(job)) await this.attemptFailed(job, toAttemptError(err));
      return;
    }
    if (this.isCurrent(job)) await this.finish("succeeded", { result }, "success");
  }

  private async attemptFailed(job: JobState, err: AttemptError): Promise<void> {
    const s = this.state!;
    const type = findTaskType(s.type)!;
    this.stream?.abort();
    this.stream = undefined;
    s.job = undefined;
    await this.releaseSlot(err.blame === "backend" ? "failure" : "neutral");
    s.failures++;
    const now = Date.now();
    const budgetLeft = s.failures < type.retry.maxAttempts && (s.deadline === undefined || now < s.deadline);
    if (!err.retryable || !budgetLeft) {
      const message = `${err.message} (attempt ${s.attempts} of at most ${type.retry.maxAttempts})`;
      await this.finish("failed", { error: { code: err.code, message } });
      return;
    }
    const delay = retryDelaySeconds(type.retry, s.failures);
    s.phase = "retry_wait";
    s.retryAt = now + delay * 1000;
    await saveState(this.ctx.storage, s);
    this.emit({ kind: "log", message: `attempt ${s.attempts} on ${job.backend.id} failed (${err.code}): ${err.message}; retrying in ${delay} s` });
    await this.ctx.storage.setAlarm(s.retryAt + RETRY_RESEND_GRACE_MS);
    try {
      await this.env.TASKS.send({ taskId: s.id }, { delaySeconds: delay });
    } catch {
      // The watchdog re-sends it after the grace period.
    }
    await this.publish(false);
  }

  /** Moves to a terminal status (if that is forward); returns whether it moved. */
  private async finish(status: TaskStatus, extra: { result?: JsonValue; error?: TaskError }, outcome: JobOutcome = "neutral"): Promise<boolean> {
    const s = this.state!;
    if (!isTerminal(status) || !canTransition(s.status, status)) return false;
    const hadJob = s.job !== undefined;
    this.stream?.abort();
    this.stream = undefined;
    Object.assign(s, { status, phase: "done", finishedAt: Date.now(), job: undefined, retryAt: undefined }, extra);
    if (status === "succeeded") s.progress = 1;
    await saveState(this.ctx.storage, s);
    this.emit({ kind: "status", status, ...(extra.error ? { error: extra.error } : {}) });
    if (hadJob) await this.releaseSlot(outcome);
    await this.publish(true);
    closeSubscribers(this.ctx, FINISHED_CLOSE.code, FINISHED_CLOSE.reason);
    if (!s.d1Dirty) await this.ctx.storage.deleteAlarm();
    return true;
  }

  private async releaseSlot(outcome: JobOutcome): Promise<void> {
    try {
      await this.env.BACKENDS_POOL.get(this.env.BACKENDS_POOL.idFromName("pool")).release(this.state!.id, outcome);
    } catch (err) {
      // The pool reclaims the lease when it expires.
      console.warn(JSON.stringify({ level: "warn", msg: "lease release failed", taskId: this.state!.id, error: String(err) }));
    }
  }

  /** D1 row always; the owner's inbox when the status changed. A D1 failure is retried by the alarm. */
  private async publish(statusChanged: boolean): Promise<void> {
    const s = this.state!;
    try {
      await writeTaskRow(this.env.DB, s);
      s.d1Dirty = false;
    } catch {
      s.d1Dirty = true;
      await this.ctx.storage.setAlarm(Date.now() + D1_RETRY_MS);
    }
    await saveState(this.ctx.storage, s);
    if (!statusChanged) return;
    try {
      await notifyOwner(this.env.INBOX, s);
    } catch {
      // Best effort: the task row and the task socket still tell the truth.
    }
  }

  private emit(body: TaskEventBody): void {
    broadcast(this.ctx, eventFrame(appendEvent(this.ctx.storage, body)));
  }
}

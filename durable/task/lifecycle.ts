// The task's state machine inside its TaskRun object: appending events, ending an attempt
// (retry within the budget or fail), finishing (forward only), and publishing each change to
// D1, the owner's inbox, the backend pool and the subscribers. TaskRun adds the RPCs on top.
import { DurableObject } from "cloudflare:workers";
import { loadConfig } from "../../src/config";
import type { JsonValue } from "../../src/protocol/json";
import { findTaskType, retryDelaySeconds, type TaskType } from "../../src/protocol/task-types";
import {
  canTransition,
  isTerminal,
  type TaskError,
  type TaskEventBody,
  type TaskStatus,
} from "../../src/protocol/tasks";
import type { JobOutcome } from "../backend-pool";
import { type AttemptError, toAttemptError } from "./attempt-error";
import { notifyOwner, writeTaskRow } from "./publish";
import { storeResult } from "./results";
import { broadcast, closeSubscribers, eventFrame, FINISHED_CLOSE } from "./sockets";
import { appendEvent, type JobState, saveState, type TaskState } from "./store";

/** The watchdog re-sends a lost re-dispatch message this long after it was due. */
export const RETRY_RESEND_GRACE_MS = 30_000;
/** A D1 write that failed is retried this often by the alarm. */
export const D1_RETRY_MS = 5_000;

export abstract class TaskLifecycle extends DurableObject<Env> {
  protected state: TaskState | undefined;
  /** The live OpenAI stream of this instance (gone if the object restarts: the watchdog notices). */
  protected stream: AbortController | undefined;
  protected lastActivity = 0;

  protected isCurrent(job: JobState): boolean {
    return this.state?.phase !== "done" && this.state?.job?.jobId === job.jobId;
  }

  protected async succeed(type: TaskType, job: JobState, raw: unknown): Promise<void> {
    let result: JsonValue;
    try {
      result = await storeResult(
        this.env.MEDIA,
        type,
        this.state!.id,
        raw,
        loadConfig(this.env).tasks.resultInlineBytes,
      );
    } catch (err) {
      if (this.isCurrent(job)) await this.attemptFailed(job, toAttemptError(err));
      return;
    }
    if (this.isCurrent(job)) await this.finish("succeeded", { result }, "success");
  }

  protected async attemptFailed(job: JobState, err: AttemptError): Promise<void> {
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
    this.emit({
      kind: "log",
      message: `attempt ${s.attempts} on ${job.backend.id} failed (${err.code}): ${err.message}; retrying in ${delay} s`,
    });
    await this.ctx.storage.setAlarm(s.retryAt + RETRY_RESEND_GRACE_MS);
    try {
      await this.env.TASKS.send({ taskId: s.id }, { delaySeconds: delay });
    } catch {
      // The watchdog re-sends it after the grace period.
    }
    await this.publish(false);
  }

  /** Moves to a terminal status (if that is forward); returns whether it moved. */
  protected async finish(
    status: TaskStatus,
    extra: { result?: JsonValue; error?: TaskError },
    outcome: JobOutcome = "neutral",
  ): Promise<boolean> {
    const s = this.state!;
    if (!isTerminal(status) || !canTransition(s.status, status)) return false;
    const hadJob = s.job !== undefined;
    this.stream?.abort();
    this.stream = undefined;
    Object.assign(s, { status, phase: "done", finishedAt: Date.now(), job: undefined, retryAt: undefined }, extra);
    if (status === "succeeded") s.progress = 1;
    await saveState(this.ctx.storage, s);
    this.emit({ kind: "status", status, ...(extra.error ? { error: extra.error } : {}) });
    // Always: a task that was still waiting for a backend leaves the pool's waitlist too.
    await this.releaseSlot(hadJob ? outcome : "neutral");
    await this.publish(true);
    closeSubscribers(this.ctx, FINISHED_CLOSE.code, FINISHED_CLOSE.reason);
    if (!s.d1Dirty) await this.ctx.storage.deleteAlarm();
    return true;
  }

  protected async releaseSlot(outcome: JobOutcome): Promise<void> {
    try {
      await this.env.BACKENDS_POOL.get(this.env.BACKENDS_POOL.idFromName("pool")).release(this.state!.id, outcome);
    } catch (err) {
      // The pool reclaims the lease when it expires.
      console.warn(
        JSON.stringify({ level: "warn", msg: "lease release failed", taskId: this.state!.id, error: String(err) }),
      );
    }
  }

  /** D1 row always; the owner's inbox when the status changed. A D1 failure is retried by the alarm. */
  protected async publish(statusChanged: boolean): Promise<void> {
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

  protected emit(body: TaskEventBody): void {
    broadcast(this.ctx, eventFrame(appendEvent(this.ctx.storage, body)));
  }
}

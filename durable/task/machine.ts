// The task's state machine, held by its TaskRun object: the state, the live stream of the
// running attempt, appending events, ending an attempt (retry within the budget or fail),
// finishing (forward only), and publishing each change to D1, the owner's inbox, the backend
// pool and the subscribers. TaskRun holds one and adds the RPCs, the sockets and the watchdog.
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
import { attemptStreamed } from "./partial";
import { storeResult } from "./results";
import { broadcast, closeSockets } from "../sockets/connection";
import { eventFrame, FINISHED_CLOSE } from "./sockets";
import { appendEvent, type JobState, saveState, type TaskState, toTask } from "./store";

/** The watchdog re-sends a lost re-dispatch message this long after it was due. */
export const RETRY_RESEND_GRACE_MS = 30_000;
/** A D1 write that failed is retried this often by the alarm. */
export const D1_RETRY_MS = 5_000;

export class TaskMachine {
  /** The task, or undefined until `init` (or a load) gives this object one. */
  state: TaskState | undefined;
  /** When the live stream last produced something (the watchdog's sign of life). */
  lastActivity = 0;
  /** The live OpenAI stream of this instance (gone if the object restarts: the watchdog notices). */
  private stream: AbortController | undefined;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
  ) {}

  /** True while this instance holds a live stream. */
  get streamAlive(): boolean {
    return this.stream !== undefined;
  }

  /** Starts holding a new attempt's stream; abort it through `stopStream`. */
  openStream(): AbortController {
    const controller = new AbortController();
    this.stream = controller;
    this.lastActivity = Date.now();
    return controller;
  }

  /**
   * An attempt's stream has settled. Only that very controller is let go: an aborted attempt
   * that settles after the next one started must not drop the next one's stream.
   */
  settleStream(controller: AbortController): void {
    if (this.stream === controller) this.stream = undefined;
  }

  /** Aborts the live stream, if any. */
  stopStream(): void {
    this.stream?.abort();
    this.stream = undefined;
  }

  isCurrent(job: JobState): boolean {
    return this.state?.phase !== "done" && this.state?.job?.jobId === job.jobId;
  }

  async succeed(type: TaskType, job: JobState, raw: unknown): Promise<void> {
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

  async attemptFailed(job: JobState, err: AttemptError): Promise<void> {
    const s = this.state!;
    const type = findTaskType(s.type)!;
    this.stopStream();
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
    // A stream cannot be re-attached: the next attempt starts over, so say so before its output.
    if (job.backend.protocol === "openai" && attemptStreamed(this.ctx.storage)) {
      this.emit({ kind: "restarted", reason: err.code });
    }
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
  async finish(
    status: TaskStatus,
    extra: { result?: JsonValue; error?: TaskError },
    outcome: JobOutcome = "neutral",
  ): Promise<boolean> {
    const s = this.state!;
    if (!isTerminal(status) || !canTransition(s.status, status)) return false;
    const hadJob = s.job !== undefined;
    this.stopStream();
    Object.assign(s, { status, phase: "done", finishedAt: Date.now(), job: undefined, retryAt: undefined }, extra);
    if (status === "succeeded") s.progress = 1;
    await saveState(this.ctx.storage, s);
    this.emit({ kind: "status", status, ...(extra.error ? { error: extra.error } : {}) });
    // Always: a task that was still waiting for a backend leaves the pool's waitlist too.
    await this.releaseSlot(hadJob ? outcome : "neutral");
    await this.publish(true);
    this.tellDependents();
    closeSockets(this.ctx.getWebSockets(), FINISHED_CLOSE.code, FINISHED_CLOSE.reason);
    if (!s.d1Dirty) await this.ctx.storage.deleteAlarm();
    return true;
  }

  /** Tells the tasks waiting for this one how it ended (each re-checks on its alarm if this is lost). */
  private tellDependents(): void {
    const s = this.state!;
    const task = toTask(s);
    for (const id of s.dependents ?? []) {
      const child = this.env.TASK.get(this.env.TASK.idFromName(id));
      this.ctx.waitUntil(child.dependencyDone(s.id, task).catch(() => undefined));
    }
  }

  async releaseSlot(outcome: JobOutcome): Promise<void> {
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
  async publish(statusChanged: boolean): Promise<void> {
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

  emit(body: TaskEventBody): void {
    broadcast(this.ctx.getWebSockets(), eventFrame(appendEvent(this.ctx.storage, body)));
  }
}

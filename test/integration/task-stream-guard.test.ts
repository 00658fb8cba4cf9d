// TaskRun keeps the live stream of its current attempt only: an earlier attempt that settles
// late (after the next one started) must not drop the next one's stream, or the watchdog would
// fail a healthy attempt as "interrupted".
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TaskRun } from "../../durable/task-run";
import type { JobState, TaskState } from "../../durable/task/store";
import { findTaskType, type TaskType } from "../../src/protocol/task-types";
import { chatInput, faultUrl } from "../support/tasks";

/** The two internals the race needs: the state and starting an attempt's stream. */
interface Internals {
  state: TaskState | undefined;
  runAttempt(type: TaskType, job: JobState): Promise<void>;
}

const job = (taskId: string, n: number, url: string, now: number): JobState => ({
  jobId: `${taskId}.${n}`,
  backend: { id: `guard-${n}`, url, protocol: "openai", capabilities: ["llm.chat"], capacity: 1 },
  startedAt: now,
  lastSeq: -1,
  lastActivityAt: now,
});

describe("TaskRun stream ownership", () => {
  it("an aborted attempt that settles after the next one started leaves the next one's stream alone", async () => {
    const id = crypto.randomUUID();
    const stub = env.TASK.get(env.TASK.idFromName(id));
    await stub.init({
      id,
      userId: "stream-guard",
      type: "llm.chat",
      priority: "normal",
      input: chatInput(),
      createdAt: Date.now(),
    });
    const after = await runInDurableObject(stub, async (instance: TaskRun) => {
      const run = instance as unknown as Internals;
      const s = run.state!;
      const type = findTaskType("llm.chat")!;
      const now = Date.now();
      Object.assign(s, { status: "running", phase: "active", attempts: 2, startedAt: now, deadline: now + 60_000 });
      // Attempt 1 reaches a port nobody listens on: it fails on its own, but only after attempt 2 started.
      const first = job(id, 1, "http://127.0.0.1:9", now);
      s.job = first;
      const settling = run.runAttempt(type, first);
      // Attempt 2 streams from a backend that holds the request open (a long generation).
      const second = job(id, 2, faultUrl("hang"), now);
      s.job = second;
      const running = run.runAttempt(type, second);
      await settling;
      // The watchdog now: a live stream of the current attempt means "not interrupted".
      await instance.alarm();
      const seen = { jobId: s.job?.jobId, phase: s.phase };
      await instance.cancel();
      await running;
      return seen;
    });
    expect(after).toEqual({ jobId: `${id}.2`, phase: "active" });
  });
});

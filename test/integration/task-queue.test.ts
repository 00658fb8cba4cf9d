// The TASKS consumer and the TaskRun object: a redelivered message runs a job once, waiting
// for capacity does not spend retries, poison goes to the DLQ, the DLQ fails the task and
// tells the owner, and the watchdog enforces the deadline.
import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runDurableObjectAlarm,
  runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TaskRun } from "../../durable/task-run";
import worker from "../../src/index";
import { chatInput } from "../support/tasks";
import { call, json, registerUser } from "../support/api";
import { openSocket } from "../support/sockets";
import {
  faultUrl,
  finished,
  operator,
  submitTask,
  type TaskJson,
  useOnlyBackends,
  waitForTask,
} from "../support/tasks";

/** A task created as submit does, but without a queue message, so the test delivers its own. */
async function quietTask(userId: string): Promise<string> {
  const id = crypto.randomUUID();
  const input = { messages: [{ role: "user", content: "once" }], maxTokens: 8 };
  await env.DB.prepare(
    "INSERT INTO tasks (id, user_id, type, status, priority, input, created_at) VALUES (?, ?, 'llm.chat', 'queued', 'normal', ?, ?)",
  )
    .bind(id, userId, JSON.stringify(input), Date.now())
    .run();
  await env.TASK.get(env.TASK.idFromName(id)).init({
    id,
    userId,
    type: "llm.chat",
    priority: "normal",
    input,
    createdAt: Date.now(),
  });
  return id;
}

async function deliver(queue: string, bodies: unknown[]) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

const llm = (id: string, url: string) => ({ id, url, protocol: "openai", capabilities: ["llm.chat"], capacity: 8 });
const served = async (id: string) =>
  (await (await operator("")).json<{ items: { id: string; served: { started: number } }[] }>()).items.find(
    (b) => b.id === id,
  )!.served.started;

describe("TASKS consumer", () => {
  it("runs a redelivered message's job once", async () => {
    await useOnlyBackends([llm("once", env.TEST_BACKEND_URL)]);
    const u = await registerUser("q");
    const id = await quietTask(u.user.id);
    const result = await deliver("plaza-tasks", [{ taskId: id }, { taskId: id }]);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1"]);
    const done = await waitForTask(u.accessToken, id, finished);
    expect(done).toMatchObject({ status: "succeeded", attempts: 1 });
    const late = await deliver("plaza-tasks", [{ taskId: id }]);
    expect(late.explicitAcks).toEqual(["m0"]);
    expect(await served("once")).toBe(1);
    expect((await waitForTask(u.accessToken, id, finished)).attempts).toBe(1);
  });

  it("waits for capacity by re-sending, not by retry(): the failure budget is untouched", async () => {
    await useOnlyBackends([]);
    const u = await registerUser("q");
    const id = await quietTask(u.user.id);
    const result = await deliver("plaza-tasks", [{ taskId: id }]);
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(result.retryMessages).toEqual([]);
    const task = await env.TASK.get(env.TASK.idFromName(id)).snapshot();
    expect(task).toMatchObject({ status: "queued", attempts: 0 });
  });

  it("fails a task that found no backend with room for TASK_MAX_QUEUE_SECONDS", async () => {
    await useOnlyBackends([]);
    const u = await registerUser("q");
    const id = await quietTask(u.user.id);
    const stub = env.TASK.get(env.TASK.idFromName(id));
    await runInDurableObject(stub, async (instance: TaskRun, state) => {
      const record = {
        ...(await state.storage.get<Record<string, unknown>>("task")),
        createdAt: Date.now() - 3_600_000,
      };
      await state.storage.put("task", record);
      (instance as unknown as { machine: { state: unknown } }).machine.state = record;
    });
    expect((await deliver("plaza-tasks", [{ taskId: id }])).explicitAcks).toEqual(["m0"]);
    expect(await stub.snapshot()).toMatchObject({ status: "failed", error: { code: "no_backend" } });
  });

  it("sends malformed messages and unknown tasks straight to the dead-letter queue", async () => {
    const marker = crypto.randomUUID();
    const result = await deliver("plaza-tasks", [{ marker }, { taskId: crypto.randomUUID() }]);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1"]);
    expect(result.retryMessages).toEqual([]);
    const deadline = Date.now() + 10_000;
    let rows: { reason: string }[] = [];
    while (rows.length === 0 && Date.now() < deadline) {
      rows = (
        await env.DB.prepare("SELECT reason FROM dead_letters WHERE body LIKE ?")
          .bind(`%${marker}%`)
          .all<{ reason: string }>()
      ).results;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(rows[0]!.reason).toBe("malformed task message");
  });

  it("fails a dead-lettered task, tells its owner and records the dead letter", async () => {
    const u = await registerUser("q");
    const id = await quietTask(u.user.id);
    const inbox = await openSocket("/v1/inbox/ws", { token: u.accessToken });
    const result = await deliver("plaza-tasks-dlq", [{ taskId: id }]);
    expect(result.ackAll).toBe(true);
    const frame = await inbox.next((f) => f.type === "task");
    expect(frame.task).toMatchObject({ id, status: "failed", error: { code: "dispatch_failed" } });
    const row = await env.DB.prepare("SELECT status, error_code FROM tasks WHERE id = ?").bind(id).first();
    expect(row).toEqual({ status: "failed", error_code: "dispatch_failed" });
    const letters = await env.DB.prepare("SELECT queue FROM dead_letters WHERE body LIKE ?").bind(`%${id}%`).all();
    expect(letters.results).toEqual([{ queue: "plaza-tasks-dlq" }]);
    inbox.close();
  });
});

describe("waiting for a backend", () => {
  it("queues tasks first come first served and wakes the next one as soon as a slot frees", async () => {
    await useOnlyBackends([{ ...llm("single", env.TEST_BACKEND_URL), capacity: 1 }]);
    const u = await registerUser("q");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await submitTask(u.accessToken, { type: "llm.chat", input: chatInput(`in line ${i}`, 40) })).id);
    const done = await Promise.all(ids.map((id) => waitForTask(u.accessToken, id, finished, 20_000)));
    expect(done.map((t) => t.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    const starts = done.map((t) => Date.parse(t.startedAt!));
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    // The next task starts well before its fallback re-check (1-2 s in tests) would have fired.
    for (let i = 1; i < 3; i++) expect(starts[i]! - Date.parse(done[i - 1]!.finishedAt!)).toBeLessThan(1000);
  });
});

describe("TaskRun watchdog", () => {
  it("retries an attempt whose stream this instance no longer holds (as after a restart)", async () => {
    await useOnlyBackends([llm("restart", env.TEST_BACKEND_URL)]);
    const u = await registerUser("q");
    const task = await submitTask(u.accessToken, { type: "llm.chat", input: chatInput("a long answer", 3000) });
    await waitForTask(u.accessToken, task.id, (t) => t.progress > 0);
    const stub = env.TASK.get(env.TASK.idFromName(task.id));
    // evictDurableObject() would wait for the stream to drain (pending I/O keeps the object
    // alive), so forget the stream the way a fresh instance would not have it.
    await runInDurableObject(stub, (instance: TaskRun) => {
      (instance as unknown as { machine: { stream: AbortController | undefined } }).machine.stream = undefined;
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const retried = await waitForTask(u.accessToken, task.id, (t) => t.attempts === 2 || finished(t), 20_000);
    expect(retried).toMatchObject({ status: "running", attempts: 2 });
    const canceled = await json<TaskJson>(
      await call(`/v1/tasks/${task.id}/cancel`, { method: "POST", token: u.accessToken }),
    );
    expect(canceled.status).toBe("canceled");
  });

  it("fails a running task past its deadline and frees its backend slot", async () => {
    await useOnlyBackends([llm("hangs", faultUrl("hang"))]);
    const u = await registerUser("q");
    const task = await submitTask(u.accessToken, { type: "llm.chat", input: chatInput() });
    await waitForTask(u.accessToken, task.id, (t) => t.status === "running");
    const stub = env.TASK.get(env.TASK.idFromName(task.id));
    await runInDurableObject(stub, async (instance: TaskRun, state) => {
      const record = await state.storage.get<{ deadline: number }>("task");
      await state.storage.put("task", { ...record, deadline: Date.now() - 1 });
      // The instance keeps its state in memory; reload it the way a restart would.
      (instance as unknown as { machine: { state: unknown } }).machine.state = await state.storage.get("task");
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const done = await waitForTask(u.accessToken, task.id, finished);
    expect(done).toMatchObject({ status: "failed", error: { code: "timeout" } });
    // Its lease is gone: releasing it again finds nothing (other tests' tasks may hold slots).
    expect(await env.BACKENDS_POOL.get(env.BACKENDS_POOL.idFromName("pool")).release(task.id, "neutral")).toBe(false);
  });
});

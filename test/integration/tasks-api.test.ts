// The task API's contract: validation, Idempotency-Key, the per-user limit, listing, owner-only
// access on every route and socket, and logout closing task sockets.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { createDb } from "../../src/db/client";
import { submitTask as submitTaskService, taskObject } from "../../src/services/tasks";
import { call, expectProblem, json, registerUser } from "../support/api";
import { openSocket, upgrade } from "../support/sockets";
import { chatInput, submitTask, type TaskJson, useOnlyBackends } from "../support/tasks";

// No backend at all: tasks stay queued, so these tests see them still and never race a run.
beforeAll(() => useOnlyBackends([]));

const chat = { type: "llm.chat", input: chatInput() };

describe("POST /v1/tasks", () => {
  it("answers 202 with the queued task at once", async () => {
    const u = await registerUser("api");
    const task = await submitTask(u.accessToken, { ...chat, priority: "high" });
    expect(task).toMatchObject({ type: "llm.chat", status: "queued", priority: "high", progress: 0, attempts: 0 });
    const row = await env.DB.prepare("SELECT status, input FROM tasks WHERE id = ?")
      .bind(task.id)
      .first<{ status: string; input: string }>();
    expect(row!.status).toBe("queued");
    expect(JSON.parse(row!.input)).toMatchObject({ maxTokens: 12 });
  });

  it("validates the type and the input against the type's schema", async () => {
    const u = await registerUser("api");
    await expectProblem(
      await call("/v1/tasks", { token: u.accessToken, body: { type: "nope", input: {} } }),
      422,
      "unknown_task_type",
    );
    const bad = await expectProblem(
      await call("/v1/tasks", { token: u.accessToken, body: { type: "llm.chat", input: { messages: [] } } }),
      400,
      "validation_failed",
    );
    expect(bad.errors![0]!.path).toBe("input.messages");
    await expectProblem(
      await call("/v1/tasks", { token: u.accessToken, body: { ...chat, extra: 1 } }),
      400,
      "validation_failed",
    );
    await expectProblem(await call("/v1/tasks", { body: chat }), 401, "unauthorized");
  });

  it("fails the task in its object too when it cannot be queued (object and list agree)", async () => {
    const user = await registerUser("tq");
    // The one fault Plaza cannot provoke through its real queue: a send that throws.
    const queueDown = {
      send: async () => {
        throw new Error("queue unavailable");
      },
    };
    const brokenEnv: Env = { ...env, TASKS: queueDown as unknown as Env["TASKS"] };
    const submitting = submitTaskService(
      createDb(env.DB),
      brokenEnv,
      loadConfig(env),
      user.user.id,
      { type: "llm.chat", input: chatInput(), priority: "normal" },
      undefined,
    );
    await expect(submitting).rejects.toThrow("queue unavailable");
    const row = await env.DB.prepare("SELECT id, status FROM tasks WHERE user_id = ?")
      .bind(user.user.id)
      .first<{ id: string; status: string }>();
    expect(row?.status).toBe("failed");
    expect(await taskObject(env, row!.id).snapshot()).toMatchObject({ status: "failed" });
    const live = await json<TaskJson>(await call(`/v1/tasks/${row!.id}`, { token: user.accessToken }));
    expect(live.status).toBe("failed");
  });

  it("returns the first task for a repeated Idempotency-Key, per user", async () => {
    const u = await registerUser("api");
    const other = await registerUser("api");
    const headers = { "Idempotency-Key": "submit-1" };
    const first = await submitTask(u.accessToken, chat, headers);
    const again = await submitTask(u.accessToken, { ...chat, input: chatInput("something else") }, headers);
    const theirs = await submitTask(other.accessToken, chat, headers);
    expect(again.id).toBe(first.id);
    expect(theirs.id).not.toBe(first.id);
    const { n } = (await env.DB.prepare("SELECT COUNT(*) AS n FROM tasks WHERE user_id = ?")
      .bind(u.user.id)
      .first<{ n: number }>())!;
    expect(n).toBe(1);
  });

  it("refuses past the per-user limit of queued and running tasks with 429", async () => {
    const u = await registerUser("api");
    const submitted = await Promise.all(
      Array.from({ length: 12 }, () => call("/v1/tasks", { token: u.accessToken, body: chat })),
    );
    const statuses = submitted.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(10);
    const refused = submitted.find((r) => r.status === 429)!;
    expect(refused.headers.get("Retry-After")).toMatch(/^\d+$/);
    await expectProblem(refused, 429, "too_many_active_tasks");
  });
});

describe("reading tasks", () => {
  let owner: Awaited<ReturnType<typeof registerUser>>;
  let stranger: Awaited<ReturnType<typeof registerUser>>;
  let task: TaskJson;
  beforeAll(async () => {
    owner = await registerUser("own");
    stranger = await registerUser("own");
    task = await submitTask(owner.accessToken, chat);
  });

  it("lists my tasks newest first, filtered by status, paged", async () => {
    const second = await submitTask(owner.accessToken, chat);
    const page1 = await json<{ items: TaskJson[]; nextCursor: string }>(
      await call("/v1/tasks?limit=1", { token: owner.accessToken }),
    );
    expect(page1.items.map((t) => t.id)).toEqual([second.id]);
    const page2 = await json<{ items: TaskJson[] }>(
      await call(`/v1/tasks?limit=1&cursor=${page1.nextCursor}`, { token: owner.accessToken }),
    );
    expect(page2.items.map((t) => t.id)).toEqual([task.id]);
    const none = await json<{ items: TaskJson[] }>(
      await call("/v1/tasks?status=succeeded", { token: owner.accessToken }),
    );
    expect(none.items).toEqual([]);
    await expectProblem(await call("/v1/tasks?cursor=garbage", { token: owner.accessToken }), 400, "invalid_cursor");
  });

  it("is 404 for everyone but the owner on every task route and the socket", async () => {
    const t = stranger.accessToken;
    await expectProblem(await call(`/v1/tasks/${task.id}`, { token: t }), 404, "not_found");
    await expectProblem(await call(`/v1/tasks/${task.id}/cancel`, { method: "POST", token: t }), 404, "not_found");
    await expectProblem(await call(`/v1/tasks/${task.id}/result`, { token: t }), 404, "not_found");
    await expectProblem(await upgrade(`/v1/tasks/${task.id}/ws`, { token: t }), 404, "not_found");
    const theirs = await json<{ items: TaskJson[] }>(await call("/v1/tasks", { token: t }));
    expect(theirs.items).toEqual([]);
    expect((await json<TaskJson>(await call(`/v1/tasks/${task.id}`, { token: owner.accessToken }))).id).toBe(task.id);
    // The object checks ownership itself too, even if the Worker were bypassed.
    const direct = await env.TASK.get(env.TASK.idFromName(task.id)).fetch("http://task/ws", {
      headers: {
        Upgrade: "websocket",
        "X-Plaza-User-Id": stranger.user.id,
        "X-Plaza-Username": "x",
        "X-Plaza-Session-Id": "s",
      },
    });
    expect(direct.status).toBe(404);
  });

  it("sends a snapshot then the log, resumes from ?since=, and closes on logout", async () => {
    const login = await json<{ accessToken: string }>(
      await call("/v1/auth/login", { body: { username: owner.user.username, password: owner.password } }),
    );
    const socket = await openSocket(`/v1/tasks/${task.id}/ws`, { token: login.accessToken });
    const snapshot = await socket.next();
    expect(snapshot).toMatchObject({ type: "snapshot", task: { id: task.id, status: "queued" }, seq: 1 });
    expect(await socket.next()).toMatchObject({ type: "event", seq: 1, event: { kind: "status", status: "queued" } });
    const resumed = await openSocket(`/v1/tasks/${task.id}/ws?since=1`, { token: owner.accessToken });
    await resumed.next();
    await new Promise((r) => setTimeout(r, 100));
    // Nothing at or before seq 1 is replayed (a `queue` event with the task's place may follow).
    expect(resumed.received[0]).toMatchObject({ type: "snapshot" });
    expect(resumed.received.filter((f) => f.type === "event" && Number(f.seq) <= 1)).toHaveLength(0);
    socket.send({ type: "hello" });
    expect(await socket.next((f) => f.type === "error")).toMatchObject({ type: "error", code: "unsupported_frame" });
    await call("/v1/auth/logout", { method: "POST", token: login.accessToken });
    expect((await socket.closed).code).toBe(4001);
    resumed.close();
    await expectProblem(
      await upgrade(`/v1/tasks/${task.id}/ws?since=-1`, { token: owner.accessToken }),
      400,
      "validation_failed",
    );
  });

  it("caps the task socket: a large frame closes it with 1009, a flood with 4029", async () => {
    const queued = await submitTask(owner.accessToken, chat);
    const big = await openSocket(`/v1/tasks/${queued.id}/ws`, { token: owner.accessToken });
    await big.next((f) => f.type === "snapshot");
    big.send("x".repeat(64 * 1024));
    expect((await big.closed).code).toBe(1009);
    const flood = await openSocket(`/v1/tasks/${queued.id}/ws`, { token: owner.accessToken });
    await flood.next((f) => f.type === "snapshot");
    for (let i = 0; i < 100; i++) flood.send({ type: "hello" });
    expect(await flood.next((f) => f.type === "error" && f.code === "rate_limited")).toMatchObject({
      retryAfter: expect.any(Number),
    });
    expect((await flood.closed).code).toBe(4029);
  });

  it("cancels a queued task once; a finished task cannot be canceled into something else", async () => {
    const queued = await submitTask(owner.accessToken, chat);
    const res = await call(`/v1/tasks/${queued.id}/cancel`, { method: "POST", token: owner.accessToken });
    expect(await json(res)).toMatchObject({ id: queued.id, status: "canceled" });
    const row = await env.DB.prepare("SELECT status FROM tasks WHERE id = ?")
      .bind(queued.id)
      .first<{ status: string }>();
    expect(row!.status).toBe("canceled");
    expect((await call(`/v1/tasks/${queued.id}/cancel`, { method: "POST", token: owner.accessToken })).status).toBe(
      200,
    );
  });
});

// Dependent tasks: `after: [taskId]` waits (status waiting) for the caller's own tasks, runs
// with their results as input.$after once they succeed, and fails with dependency_failed when
// one fails or is canceled. Someone else's task cannot be named.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser } from "../support/api";
import { chatInput, finished, submitTask, type TaskJson, useOnlyBackends, waitForTask } from "../support/tasks";

const llm = { id: "after", url: env.TEST_BACKEND_URL, protocol: "openai", capabilities: ["llm.chat"], capacity: 4 };
const chat = (text: string, tokens = 12) => ({ type: "llm.chat", input: chatInput(text, tokens) });

describe("after: dependent tasks", () => {
  it("waits for its dependencies and runs with their results as input.$after", async () => {
    await useOnlyBackends([llm]);
    const u = await registerUser("chain");
    const first = await submitTask(u.accessToken, chat("transcribe this"));
    const second = await submitTask(u.accessToken, { ...chat("summarize it"), after: [first.id] });
    expect(["waiting", "queued", "running", "succeeded"]).toContain(second.status);
    const a = await waitForTask(u.accessToken, first.id, finished);
    const b = await waitForTask(u.accessToken, second.id, finished);
    expect([a.status, b.status]).toEqual(["succeeded", "succeeded"]);
    expect(Date.parse(b.startedAt!)).toBeGreaterThanOrEqual(Date.parse(a.finishedAt!));
    const input = (
      await json<TaskJson & { input: { $after: unknown[] } }>(
        await call(`/v1/tasks/${second.id}`, { token: u.accessToken }),
      )
    ).input;
    expect(input.$after).toEqual([a.result]);
    // A dependency that already succeeded: queued at once.
    const third = await submitTask(u.accessToken, { ...chat("again"), after: [first.id, second.id] });
    expect(third.status).toBe("queued");
    expect((await waitForTask(u.accessToken, third.id, finished)).status).toBe("succeeded");
  });

  it("fails with dependency_failed when a dependency is canceled", async () => {
    await useOnlyBackends([llm]);
    const u = await registerUser("chain");
    const first = await submitTask(u.accessToken, chat("a long transcript", 3000));
    const second = await submitTask(u.accessToken, { ...chat("summary"), after: [first.id] });
    expect(second.status).toBe("waiting");
    await call(`/v1/tasks/${first.id}/cancel`, { method: "POST", token: u.accessToken });
    const failed = await waitForTask(u.accessToken, second.id, finished);
    expect(failed).toMatchObject({ status: "failed", error: { code: "dependency_failed" }, attempts: 0 });
  });

  it("takes only the caller's own tasks", async () => {
    const u = await registerUser("chain");
    const other = await registerUser("chain");
    const theirs = await submitTask(other.accessToken, chat("theirs"));
    await expectProblem(
      await call("/v1/tasks", { token: u.accessToken, body: { ...chat("mine"), after: [theirs.id] } }),
      422,
      "dependency_not_found",
    );
    await expectProblem(
      await call("/v1/tasks", { token: u.accessToken, body: { ...chat("mine"), after: ["not-a-uuid"] } }),
      400,
      "validation_failed",
    );
  });
});

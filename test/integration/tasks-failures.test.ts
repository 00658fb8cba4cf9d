// Honest failures on the openai protocol, against the reference backend's fault modes:
// 500s, hangs, a stream that stalls or dies mid-way; retries, exhaustion, the breaker, cancel.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, json, registerUser } from "../support/api";
import { openSocket } from "../support/sockets";
import { chatInput, faultUrl, finished, operator, submitTask, useOnlyBackends, waitForTask } from "../support/tasks";

const llmBackend = (id: string, url: string) => ({
  id,
  url,
  protocol: "openai",
  capabilities: ["llm.chat"],
  capacity: 8,
});

interface BackendView {
  id: string;
  inFlight: number;
  breaker: { state: string; consecutiveFailures: number };
  served: { started: number; succeeded: number; failed: number };
}

async function backend(id: string): Promise<BackendView> {
  const list = await json<{ items: BackendView[] }>(await operator(""));
  return list.items.find((b) => b.id === id)!;
}

describe("openai backend failures", () => {
  it("retries a 500 and succeeds on the next attempt", async () => {
    await useOnlyBackends([llmBackend("flaky", faultUrl(`fail-first-1-${crypto.randomUUID().slice(0, 8)}`))]);
    const u = await registerUser("fail");
    const task = await submitTask(u.accessToken, { type: "llm.chat", input: chatInput() });
    const done = await waitForTask(u.accessToken, task.id, finished);
    expect(done).toMatchObject({ status: "succeeded", attempts: 2 });
  });

  it("fails honestly once the retries are exhausted, and tells the owner's inbox", async () => {
    await useOnlyBackends([llmBackend("broken", faultUrl("500"))]);
    const u = await registerUser("fail");
    const inbox = await openSocket("/v1/inbox/ws", { token: u.accessToken });
    const task = await submitTask(u.accessToken, { type: "llm.chat", input: chatInput() });
    const done = await waitForTask(u.accessToken, task.id, finished, 20_000);
    expect(done).toMatchObject({ status: "failed", attempts: 3, error: { code: "backend_error" } });
    expect(done.error!.message).toContain("answered 500");
    const frame = await inbox.next((f) => f.type === "task" && (f.task as { status: string }).status === "failed");
    expect(frame.task).toMatchObject({ id: task.id, status: "failed", attempts: 3 });
    inbox.close();
  }, 30_000);

  it("treats a hanging backend as silent and a stream that dies or stalls mid-way as failed attempts", async () => {
    const u = await registerUser("fail");
    for (const [mode, code] of [
      ["hang", "backend_silent"],
      ["die", "stream_interrupted"],
      ["stall", "backend_silent"],
    ] as const) {
      await useOnlyBackends([llmBackend(`b-${mode}`, faultUrl(mode))]);
      const task = await submitTask(u.accessToken, { type: "llm.chat", input: chatInput(`fault ${mode}`, 30) });
      const done = await waitForTask(u.accessToken, task.id, finished, 30_000);
      expect(done, mode).toMatchObject({ status: "failed", attempts: 3, error: { code } });
      expect((await backend(`b-${mode}`)).inFlight).toBe(0);
    }
  }, 90_000);

  it("opens the breaker after repeated failures, half-opens after the cooldown, closes on success", async () => {
    const id = `fail-first-3-${crypto.randomUUID().slice(0, 8)}`;
    await useOnlyBackends([llmBackend("breaker", faultUrl(id))]);
    const u = await registerUser("fail");
    const first = await submitTask(u.accessToken, { type: "llm.chat", input: chatInput() });
    expect(await waitForTask(u.accessToken, first.id, finished, 20_000)).toMatchObject({
      status: "failed",
      attempts: 3,
    });
    expect((await backend("breaker")).breaker).toMatchObject({ state: "open", consecutiveFailures: 3 });
    // After the 1 s cooldown (tests' BREAKER_COOLDOWN_SECONDS) one probe goes through; it succeeds.
    const second = await submitTask(u.accessToken, { type: "llm.chat", input: chatInput() });
    expect(await waitForTask(u.accessToken, second.id, finished, 20_000)).toMatchObject({
      status: "succeeded",
      attempts: 1,
    });
    expect(await backend("breaker")).toMatchObject({
      breaker: { state: "closed", consecutiveFailures: 0 },
      served: { started: 4, succeeded: 1, failed: 3 },
    });
  }, 40_000);

  it("cancels mid-stream: the stream to the backend is aborted and no output follows", async () => {
    await useOnlyBackends([llmBackend("ok", env.TEST_BACKEND_URL)]);
    const before = await (await fetch(`${env.TEST_BACKEND_URL}/stats`)).json<{ canceled: number }>();
    const u = await registerUser("fail");
    const task = await submitTask(u.accessToken, { type: "llm.chat", input: chatInput("a long one please", 2000) });
    const socket = await openSocket(`/v1/tasks/${task.id}/ws`, { token: u.accessToken });
    await socket.next((f) => f.type === "event" && (f.event as { kind: string }).kind === "output");
    const res = await call(`/v1/tasks/${task.id}/cancel`, { method: "POST", token: u.accessToken });
    expect(res.status).toBe(200);
    expect((await socket.closed).code).toBe(1000);
    const kinds = socket.received
      .filter((f) => f.type === "event")
      .map((f) => f.event as { kind: string; status?: string });
    expect(kinds.at(-1)).toEqual({ kind: "status", status: "canceled" });
    const deadline = Date.now() + 5_000;
    let after = before;
    while (after.canceled <= before.canceled && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      after = await (await fetch(`${env.TEST_BACKEND_URL}/stats`)).json<{ canceled: number }>();
    }
    expect(after.canceled).toBeGreaterThan(before.canceled);
    expect((await backend("ok")).inFlight).toBe(0);
    const snapshot = await waitForTask(u.accessToken, task.id, finished);
    expect(snapshot.status).toBe("canceled");
    expect((await call(`/v1/tasks/${task.id}/cancel`, { method: "POST", token: u.accessToken })).status).toBe(200);
  });
});

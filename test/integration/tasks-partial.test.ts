// A canceled task keeps what it produced as a partial result; a stream retried after its
// output began is marked `restarted` in the log, with the earlier output kept.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TaskRun } from "../../durable/task-run";
import { call, json, registerUser } from "../support/api";
import { openSocket } from "../support/sockets";
import { chatInput, finished, submitTask, type TaskJson, useOnlyBackends, waitForTask } from "../support/tasks";

const llm = (id: string) => ({
  id,
  url: env.TEST_BACKEND_URL,
  protocol: "openai",
  capabilities: ["llm.chat"],
  capacity: 4,
});

describe("partial output", () => {
  it("keeps what was streamed before a cancel as the result, marked partial", async () => {
    await useOnlyBackends([llm("partial")]);
    const u = await registerUser("part");
    const task = await submitTask(u.accessToken, { type: "llm.chat", input: chatInput("a long answer", 3000) });
    await waitForTask(u.accessToken, task.id, (t) => t.progress > 0.01);
    const canceled = await json<TaskJson>(
      await call(`/v1/tasks/${task.id}/cancel`, { method: "POST", token: u.accessToken }),
    );
    expect(canceled.status).toBe("canceled");
    expect(canceled.result).toMatchObject({ partial: true });
    expect(String(canceled.result?.text)).toMatch(/^Echo: a long answer/);
    const again = await waitForTask(u.accessToken, task.id, finished);
    expect(again.result).toEqual(canceled.result);
    // The log has the same text, in output events.
    const socket = await openSocket(`/v1/tasks/${task.id}/ws`, { token: u.accessToken });
    await socket.closed;
    const text = socket.received
      .map((f) => f.event as { kind?: string; text?: string } | undefined)
      .filter((e) => e?.kind === "output")
      .map((e) => e!.text)
      .join("");
    expect(text.startsWith(String(canceled.result?.text))).toBe(true);
  });

  it("marks a stream that starts over with a restarted event and keeps the earlier output", async () => {
    await useOnlyBackends([llm("restarts")]);
    const u = await registerUser("part");
    const task = await submitTask(u.accessToken, { type: "llm.chat", input: chatInput("a long answer", 3000) });
    await waitForTask(u.accessToken, task.id, (t) => t.progress > 0.01);
    const stub = env.TASK.get(env.TASK.idFromName(task.id));
    await runInDurableObject(stub, (instance: TaskRun) => {
      (instance as unknown as { machine: { stream: AbortController | undefined } }).machine.stream = undefined;
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await waitForTask(u.accessToken, task.id, (t) => t.attempts === 2 || finished(t), 20_000);
    await call(`/v1/tasks/${task.id}/cancel`, { method: "POST", token: u.accessToken });
    const socket = await openSocket(`/v1/tasks/${task.id}/ws`, { token: u.accessToken });
    await socket.closed;
    const kinds = socket.received
      .map((f) => f.event as { kind?: string; reason?: string } | undefined)
      .filter((e) => e !== undefined);
    const restarted = kinds.findIndex((e) => e.kind === "restarted");
    expect(kinds[restarted]).toEqual({ kind: "restarted", reason: "interrupted" });
    expect(kinds.slice(0, restarted).some((e) => e.kind === "output")).toBe(true);
    expect(kinds.slice(restarted).filter((e) => e.kind === "assigned")).toHaveLength(1);
  });
});

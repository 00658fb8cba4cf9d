// llm.chat end to end against the reference backend's real OpenAI-compatible SSE stream:
// submit, watch the task socket stream tokens, end succeeded.
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser } from "../support/api";
import { openSocket } from "../support/sockets";
import { chatInput, finished, submitTask, waitForTask } from "../support/tasks";

describe("llm.chat on an openai backend", () => {
  it("lists the task types with their input schemas", async () => {
    const types = await json<{ type: string; inputSchema: { type: string } }[]>(await call("/v1/task-types"));
    expect(types.map((t) => t.type)).toEqual(["llm.chat", "image.thumbnail"]);
    expect(types[0]!.inputSchema.type).toBe("object");
  });

  it("streams tokens to the task socket in seq order and ends succeeded", async () => {
    const u = await registerUser("llm");
    const task = await submitTask(u.accessToken, { type: "llm.chat", input: chatInput("tell me about plaza", 20) });
    expect(task).toMatchObject({ type: "llm.chat", status: "queued", attempts: 0, progress: 0 });
    const socket = await openSocket(`/v1/tasks/${task.id}/ws`, { token: u.accessToken });
    const snapshot = await socket.next();
    expect(snapshot.type).toBe("snapshot");
    const closed = await socket.closed;
    expect(closed.code).toBe(1000);
    const events = socket.received.filter((f) => f.type === "event") as unknown as {
      seq: number;
      event: { kind: string; text?: string; status?: string };
    }[];
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
    const statuses = events.filter((e) => e.event.kind === "status").map((e) => e.event.status);
    expect(statuses.at(-1)).toBe("succeeded");
    const text = events
      .filter((e) => e.event.kind === "output")
      .map((e) => e.event.text)
      .join("");
    expect(text.startsWith("Echo: tell me about plaza")).toBe(true);
    const done = await waitForTask(u.accessToken, task.id, finished);
    expect(done).toMatchObject({ status: "succeeded", progress: 1, attempts: 1 });
    expect(done.result).toMatchObject({ text, finishReason: "length", model: "plaza-echo-1" });
    const inline = await call(`/v1/tasks/${task.id}/result`, { token: u.accessToken });
    expect(await json(inline)).toEqual(done.result);
    await expectProblem(
      await call(`/v1/tasks/${task.id}/cancel`, { method: "POST", token: u.accessToken }),
      409,
      "task_finished",
    );
    // A finished task's socket replays the whole log, then closes.
    const late = await openSocket(`/v1/tasks/${task.id}/ws?since=${seqs.at(-3)}`, { token: u.accessToken });
    expect((await late.closed).code).toBe(1000);
    expect(late.received.map((f) => f.type)).toEqual(["snapshot", "event", "event"]);
  });

  it("keeps a large result in R2 and serves it to the owner", async () => {
    const u = await registerUser("llm");
    const task = await submitTask(u.accessToken, { type: "llm.chat", input: chatInput("a long story please", 300) });
    const done = await waitForTask(u.accessToken, task.id, finished);
    expect(done.status).toBe("succeeded");
    // Tests set TASK_RESULT_INLINE_BYTES to 1024; 300 words do not fit.
    expect(done.result).toMatchObject({
      stored: "r2",
      contentType: "application/json",
      url: `/v1/tasks/${task.id}/result`,
    });
    expect(done.result!.bytes).toBeGreaterThan(1024);
    const stored = await json<{ text: string; finishReason: string }>(
      await call(`/v1/tasks/${task.id}/result`, { token: u.accessToken }),
    );
    expect(stored.finishReason).toBe("length");
    expect(stored.text.startsWith(done.result!.preview as string)).toBe(true);
    expect(stored.text.trim().split(" ")).toHaveLength(300);
  });
});

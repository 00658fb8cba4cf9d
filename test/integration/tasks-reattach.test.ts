// Re-attach: a plaza-job job whose callbacks never reached Plaza (as while the server was down)
// is followed again through the backend's GET /jobs/:id/events?after= when the watchdog finds
// it silent: its events are applied once, in order, and the job is not run a second time.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, describe, expect, it } from "vitest";
import type { TaskRun } from "../../durable/task-run";
import { registerUser } from "../support/api";
import { checkerboardJpeg } from "../support/fixtures";
import { openSocket } from "../support/sockets";
import { finished, startRelayPump, submitTask, useOnlyBackends, waitForTask } from "../support/tasks";

// The source read goes through; every callback is refused, so only re-attaching can finish the task.
const pump = startRelayPump({ refuse: (r) => r.path.endsWith("/callback") });
afterAll(() => pump.stop());

const events = (jobId: string) => fetch(`${env.TEST_BACKEND_URL}/jobs/${encodeURIComponent(jobId)}/events?after=-1`);

describe("re-attach to a plaza-job job", () => {
  it("applies the job's missed events once and does not run it again", async () => {
    await useOnlyBackends([
      {
        id: "reattach",
        url: env.TEST_BACKEND_URL,
        protocol: "plaza-job",
        capabilities: ["image.thumbnail"],
        capacity: 2,
      },
    ]);
    const key = `${crypto.randomUUID()}.jpg`;
    await env.MEDIA.put(key, checkerboardJpeg(), { httpMetadata: { contentType: "image/jpeg" } });
    const u = await registerUser("reattach");
    const task = await submitTask(u.accessToken, {
      type: "image.thumbnail",
      input: { source: `/media/${key}`, width: 64 },
    });
    pump.watch(task.id);
    const jobId = `${task.id}.1`;
    const deadline = Date.now() + 15_000;
    let state = "";
    while (state !== "completed" && Date.now() < deadline) {
      const res = await events(jobId);
      state = res.ok ? ((await res.json()) as { state: string }).state : "";
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toBe("completed");
    expect((await waitForTask(u.accessToken, task.id, () => true)).status).toBe("running");

    // Time passes with no callback: the watchdog finds the job silent.
    const stub = env.TASK.get(env.TASK.idFromName(task.id));
    await runInDurableObject(stub, async (instance: TaskRun, ctx) => {
      const machine = (instance as unknown as { machine: { state: { job: { lastActivityAt: number } } } }).machine;
      machine.state.job.lastActivityAt = 0;
      await ctx.storage.put("task", machine.state);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const done = await waitForTask(u.accessToken, task.id, finished);
    expect(done).toMatchObject({ status: "succeeded", attempts: 1, progress: 1, result: { width: 64 } });
    // Never posted again: the backend knows no second attempt.
    expect((await events(`${task.id}.2`)).status).toBe(404);
    const socket = await openSocket(`/v1/tasks/${task.id}/ws`, { token: u.accessToken });
    await socket.closed;
    const progress = socket.received
      .map((f) => f.event as { kind?: string; progress?: number } | undefined)
      .filter((e) => e?.kind === "progress")
      .map((e) => e!.progress);
    expect(progress).toEqual([0.1, 0.5]);
  });
});

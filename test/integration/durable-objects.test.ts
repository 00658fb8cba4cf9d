// The first version of the TaskRun object, exercised directly through its stub (the Room has
// its own suites: room-socket, rooms, room-archive).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("TaskRun", () => {
  it("moves status forward only and logs events in seq order", async () => {
    const task = env.TASK.get(env.TASK.idFromName(crypto.randomUUID()));
    expect(await task.status()).toBe("queued");
    expect(await task.transition("running")).toBe(true);
    expect(await task.record("progress", { progress: 0.5 })).toBe(2);
    expect(await task.transition("queued")).toBe(false);
    expect(await task.transition("succeeded", { result: "done" })).toBe(true);
    expect(await task.transition("failed")).toBe(false);
    expect(await task.record("output", { text: "late" })).toBeUndefined();
    const events = await task.eventsSince(0);
    expect(events.map((e) => [e.seq, e.kind])).toEqual([[1, "status"], [2, "progress"], [3, "status"]]);
    expect(events[2]!.data).toEqual({ status: "succeeded", result: "done" });
    expect((await task.eventsSince(2)).map((e) => e.seq)).toEqual([3]);
  });
});

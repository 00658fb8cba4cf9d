// Issue 19 through the real Worker, pool and task objects: a waiting task's place in line and
// its backend are visible before the first token; one user's burst does not starve another's
// single task; per-user concurrency, submission rate and daily token budget; GET /v1/me/usage;
// sessionKey affinity with hits and misses in GET /v1/backends.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser } from "../support/api";
import { openSocket } from "../support/sockets";
import {
  chatInput,
  finished,
  operator,
  submitTask,
  type TaskJson,
  useOnlyBackends,
  waitForTask,
} from "../support/tasks";

const llm = (id: string, capacity: number) => ({
  id,
  url: env.TEST_BACKEND_URL,
  protocol: "openai",
  capabilities: ["llm.chat"],
  capacity,
});
/** Tests run the reference backend at 5 ms a token. */
const chat = (tokens: number, text = "fair") => ({ type: "llm.chat", input: chatInput(text, tokens) });
const get = async (token: string, id: string) => json<TaskJson>(await call(`/v1/tasks/${id}`, { token }));
const cancel = (token: string, id: string) => call(`/v1/tasks/${id}/cancel`, { method: "POST", token });

interface BackendJson {
  id: string;
  inFlight: number;
  affinity: { hits: number; misses: number };
}
const backends = async () => (await json<{ items: BackendJson[] }>(await operator(""))).items;

describe("visible before the first token", () => {
  it("shows the place in line, queue events at most once a second, then the backend", async () => {
    await useOnlyBackends([llm("line", 1)]);
    const u = await registerUser("vis");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await submitTask(u.accessToken, chat(400, `long line ${i}`))).id);
    const [first, , third] = ids as [string, string, string];
    const waiting = await waitForTask(u.accessToken, third, (t) => t.queue?.position === 2);
    expect(waiting).toMatchObject({ status: "queued", queue: { position: 2, ahead: 1 } });
    // Nothing has finished yet: no service rate measured, so no ETA.
    expect(waiting.queue?.etaMs).toBeUndefined();
    expect(waiting.backend).toBeUndefined();

    const socket = await openSocket(`/v1/tasks/${third}/ws`, { token: u.accessToken });
    const snapshot = await socket.next();
    expect(snapshot.task).toMatchObject({ status: "queued", queue: { position: 2, ahead: 1 } });
    const assigned = await socket.next((f) => (f.event as { kind?: string })?.kind === "assigned", 15_000);
    expect(assigned.event).toEqual({ kind: "assigned", backendId: "line" });
    socket.close();

    const events = socket.received
      .filter((f) => f.type === "event")
      .map((f) => f as unknown as { at: string; event: { kind: string; position?: number; etaMs?: number } });
    const queue = events.filter((e) => e.event.kind === "queue");
    expect(queue.at(-1)?.event).toMatchObject({ kind: "queue", position: 1, ahead: 0 });
    // Once the first task finished, the capability has a service rate and the wait an ETA.
    expect(queue.at(-1)?.event.etaMs).toBeGreaterThan(0);
    for (let i = 1; i < queue.length; i++) {
      expect(Date.parse(queue[i]!.at) - Date.parse(queue[i - 1]!.at)).toBeGreaterThanOrEqual(990);
    }
    const running = await waitForTask(u.accessToken, third, (t) => t.status !== "queued");
    expect(running.queue).toBeUndefined();
    expect(running.backend).toEqual({ id: "line" });
    expect((await get(u.accessToken, first)).backend).toEqual({ id: "line" });
    for (const id of ids) await cancel(u.accessToken, id);
  });
});

describe("fair between users", () => {
  it("does not let one user's burst starve another user's single task", async () => {
    await useOnlyBackends([llm("fair", 1)]);
    const a = await registerUser("burst");
    const b = await registerUser("single");
    const burst: string[] = [];
    for (let i = 0; i < 6; i++) burst.push((await submitTask(a.accessToken, chat(30, `a${i}`))).id);
    await waitForTask(a.accessToken, burst.at(-1)!, (t) => t.queue?.position === 5);
    const single = await submitTask(b.accessToken, chat(30, "b"));
    const place = await waitForTask(b.accessToken, single.id, (t) => t.queue !== undefined || t.status !== "queued");
    // Under first come first served it would be 6th; it is next.
    if (place.status === "queued") expect(place.queue).toMatchObject({ position: 1, ahead: 0 });
    const doneB = await waitForTask(b.accessToken, single.id, finished, 20_000);
    const doneA = await Promise.all(burst.map((id) => waitForTask(a.accessToken, id, finished, 20_000)));
    expect([doneB, ...doneA].map((t) => t.status)).toEqual(Array(7).fill("succeeded"));
    const startedB = Date.parse(doneB.startedAt!);
    const laterA = doneA.filter((t) => Date.parse(t.startedAt!) > startedB);
    expect(laterA.length).toBeGreaterThanOrEqual(4);
  });

  it("holds a user's tasks past TASK_USER_CONCURRENCY in line while others still run", async () => {
    await useOnlyBackends([llm("wide", 16)]);
    const a = await registerUser("conc");
    const b = await registerUser("conc");
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await submitTask(a.accessToken, chat(2000, `long ${i}`))).id);
    // Tests keep the default of 8 running at once per user.
    const deadline = Date.now() + 10_000;
    let tasks: TaskJson[] = [];
    while (Date.now() < deadline) {
      tasks = await Promise.all(ids.map((id) => get(a.accessToken, id)));
      if (
        tasks.filter((t) => t.status === "running").length === 8 &&
        tasks.every((t) => t.status !== "queued" || t.queue)
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(tasks.filter((t) => t.status === "running")).toHaveLength(8);
    expect(tasks.filter((t) => t.status === "queued")).toHaveLength(2);
    const other = await submitTask(b.accessToken, chat(2000, "long other"));
    expect((await waitForTask(b.accessToken, other.id, (t) => t.status !== "queued")).status).toBe("running");
    expect((await backends()).find((x) => x.id === "wide")!.inFlight).toBe(9);
    for (const id of ids) await cancel(a.accessToken, id);
    await cancel(b.accessToken, other.id);
  });

  it("refuses submissions past TASK_USER_RATE with 429 rate_limited and Retry-After", async () => {
    const u = await registerUser("rate");
    await submitTask(u.accessToken, chat(4));
    await env.DB.prepare("UPDATE task_usage SET bucket = 0, bucket_at = ? WHERE user_id = ?")
      .bind(Date.now(), u.user.id)
      .run();
    const refused = await call("/v1/tasks", { token: u.accessToken, body: chat(4) });
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    await expectProblem(refused, 429, "rate_limited");
  });

  it("counts reported tokens, shows them in /v1/me/usage and refuses past the budget with budget_exhausted", async () => {
    await useOnlyBackends([llm("budget", 4)]);
    const u = await registerUser("usage");
    const stranger = await registerUser("usage");
    await expectProblem(await call("/v1/me/usage"), 401, "unauthorized");
    const task = await submitTask(u.accessToken, chat(12, "count my tokens"));
    const done = await waitForTask(u.accessToken, task.id, finished);
    const reported = done.result?.usage as { promptTokens: number; completionTokens: number };
    expect(reported.completionTokens).toBeGreaterThan(0);
    const deadline = Date.now() + 5_000;
    let usage = await json<{ tokens: { total: number } }>(await call("/v1/me/usage", { token: u.accessToken }));
    while (usage.tokens.total === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      usage = await json(await call("/v1/me/usage", { token: u.accessToken }));
    }
    const day = new Date().toISOString().slice(0, 10);
    expect(usage).toMatchObject({
      day,
      tasks: { queued: 0, running: 0, submittedToday: 1 },
      tokens: {
        prompt: reported.promptTokens,
        completion: reported.completionTokens,
        total: reported.promptTokens + reported.completionTokens,
        budget: 2_000_000,
      },
      limits: { concurrency: 8, maxActive: 10, submissionsPerMinute: 600 },
    });
    // Someone else's usage is their own.
    const theirs = await json<{ tokens: { total: number } }>(
      await call("/v1/me/usage", { token: stranger.accessToken }),
    );
    expect(theirs.tokens.total).toBe(0);

    await env.DB.prepare("UPDATE task_usage SET day_completion_tokens = 2000000 WHERE user_id = ?")
      .bind(u.user.id)
      .run();
    const refused = await call("/v1/tasks", { token: u.accessToken, body: chat(4) });
    const problem = await expectProblem(refused, 429, "budget_exhausted");
    const midnight = new Date(`${day}T00:00:00.000Z`).getTime() + 86_400_000;
    expect(problem.resetAt).toBe(new Date(midnight).toISOString());
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    const after = await json<{ tokens: { remaining: number } }>(await call("/v1/me/usage", { token: u.accessToken }));
    expect(after.tokens.remaining).toBe(0);
  });
});

describe("sticky to a warm backend", () => {
  it("sends a session's turns to the backend that served it, and moves it when that one leaves", async () => {
    await useOnlyBackends([llm("warm-a", 4), llm("warm-b", 4)]);
    const u = await registerUser("sticky");
    const other = await registerUser("sticky");
    const served: string[] = [];
    for (let turn = 0; turn < 4; turn++) {
      // Another user's task in between makes the least-loaded choice differ from the sticky one.
      const noise = await submitTask(other.accessToken, chat(200, "long noise"));
      await waitForTask(other.accessToken, noise.id, (t) => t.status === "running");
      const t = await submitTask(u.accessToken, { ...chat(8, `turn ${turn}`), sessionKey: "conversation-1" });
      served.push((await waitForTask(u.accessToken, t.id, finished)).backend!.id);
      await cancel(other.accessToken, noise.id);
    }
    expect(new Set(served).size).toBe(1);
    const warm = served[0]!;
    const cold = warm === "warm-a" ? "warm-b" : "warm-a";
    let list = await backends();
    expect(list.find((b) => b.id === warm)!.affinity).toEqual({ hits: 3, misses: 0 });
    // The same key from another user is another session.
    await operator(`/${warm}`, { method: "PATCH", body: { enabled: false } });
    const moved = await submitTask(u.accessToken, { ...chat(8, "turn 5"), sessionKey: "conversation-1" });
    expect((await waitForTask(u.accessToken, moved.id, finished)).backend).toEqual({ id: cold });
    list = await backends();
    expect(list.find((b) => b.id === warm)!.affinity).toEqual({ hits: 3, misses: 1 });
  });
});

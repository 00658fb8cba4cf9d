// image.thumbnail end to end on the plaza-job protocol: Plaza posts the job, the reference
// backend reads the source through Plaza, resizes it with sharp and reports through signed
// callbacks (relayed into the Worker). Duplicates, stale and late callbacks change nothing.
import { env } from "cloudflare:workers";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { signAccessToken, signTaskToken } from "../../src/auth/tokens";
import { call, expectProblem, json, registerUser, type TestUser } from "../support/api";
import { checkerboardJpeg } from "../support/fixtures";
import { openSocket } from "../support/sockets";
import { faultUrl, finished, startRelayPump, submitTask, useOnlyBackends, waitForTask } from "../support/tasks";

const pump = startRelayPump();
afterAll(() => pump.stop());

/** A public upload (a /media/<uuid>.<ext> key, as POST /v1/media writes), put straight into R2. */
async function storedImage(): Promise<string> {
  const key = `${crypto.randomUUID()}.jpg`;
  await env.MEDIA.put(key, checkerboardJpeg(), { httpMetadata: { contentType: "image/jpeg" } });
  return `/media/${key}`;
}

async function thumbnail(u: TestUser, extra: Record<string, unknown> = {}) {
  const task = await submitTask(u.accessToken, {
    type: "image.thumbnail",
    input: { source: await storedImage(), width: 64, ...extra },
  });
  pump.watch(task.id);
  return task;
}

const jobBackend = (id: string, url: string) => ({
  id,
  url,
  protocol: "plaza-job",
  capabilities: ["image.thumbnail"],
  capacity: 4,
});

describe("image.thumbnail on a plaza-job backend", () => {
  beforeEach(() => useOnlyBackends([jobBackend("jobs-ok", env.TEST_BACKEND_URL)]));

  it("resizes the stored image and keeps the thumbnail in R2", async () => {
    const u = await registerUser("thumb");
    const task = await thumbnail(u);
    const done = await waitForTask(u.accessToken, task.id, finished);
    expect(done).toMatchObject({ status: "succeeded", progress: 1, attempts: 1 });
    expect(done.result).toMatchObject({
      contentType: "image/webp",
      width: 64,
      height: 48,
      url: `/v1/tasks/${task.id}/result`,
    });
    const res = await call(`/v1/tasks/${task.id}/result`, { token: u.accessToken });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("image/webp");
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(new TextDecoder().decode(bytes.slice(0, 4))).toBe("RIFF");
    expect(bytes.length).toBe(done.result!.bytes);
  });

  it("refuses a source that is not stored in Plaza", async () => {
    const u = await registerUser("thumb");
    const res = await call("/v1/tasks", {
      token: u.accessToken,
      body: { type: "image.thumbnail", input: { source: "/media/nope.jpg" } },
    });
    await expectProblem(res, 422, "source_not_found");
    const notMedia = await call("/v1/tasks", {
      token: u.accessToken,
      body: { type: "image.thumbnail", input: { source: "https://evil.example/x.jpg" } },
    });
    await expectProblem(notMedia, 400, "validation_failed");
  });

  it("reads only media the caller may read: public uploads and the caller's own results (issue 14.2)", async () => {
    const owner = await registerUser("thumb");
    const other = await registerUser("thumb");
    const task = await thumbnail(owner);
    await waitForTask(owner.accessToken, task.id, finished);
    const resultKey = `task-results/${task.id}/output.webp`;
    expect(await env.MEDIA.head(resultKey)).not.toBeNull();
    const submit = (u: TestUser, source: string) =>
      call("/v1/tasks", { token: u.accessToken, body: { type: "image.thumbnail", input: { source, width: 32 } } });
    const strip = ({ requestId: _, ...rest }: Record<string, unknown>) => rest;

    // Someone else's result and a result that does not exist get the very same answer.
    const foreign = strip({
      ...(await expectProblem(await submit(other, `/media/${resultKey}`), 422, "source_not_found")),
    });
    const missing = strip({
      ...(await expectProblem(
        await submit(other, `/media/task-results/${crypto.randomUUID()}/output.webp`),
        422,
        "source_not_found",
      )),
    });
    expect(foreign).toEqual(missing);
    const absent = strip({
      ...(await expectProblem(await submit(other, `/media/${crypto.randomUUID()}.jpg`), 422, "source_not_found")),
    });
    expect(absent).toEqual(missing);
    // Keys outside the two readable namespaces, even when they exist, are refused alike.
    const stray = `test/${crypto.randomUUID()}.jpg`;
    await env.MEDIA.put(stray, checkerboardJpeg(), { httpMetadata: { contentType: "image/jpeg" } });
    const strayProblem = strip({
      ...(await expectProblem(await submit(other, `/media/${stray}`), 422, "source_not_found")),
    });
    expect(strayProblem).toEqual(missing);

    // The owner may thumbnail their own result; anyone may thumbnail a public upload.
    const own = await submit(owner, `/media/${resultKey}`);
    expect(own.status).toBe(202);
    pump.watch((await json<{ id: string }>(own)).id);
    const pub = await submit(other, await storedImage());
    expect(pub.status).toBe(202);
    pump.watch((await json<{ id: string }>(pub)).id);
  });

  it("ignores duplicate and out-of-order callbacks: progress never moves back, one result", async () => {
    await useOnlyBackends([jobBackend("jobs-dup", faultUrl("dup"))]);
    const u = await registerUser("thumb");
    const task = await thumbnail(u);
    const socket = await openSocket(`/v1/tasks/${task.id}/ws`, { token: u.accessToken });
    await socket.closed;
    const events = socket.received
      .filter((f) => f.type === "event")
      .map((f) => f.event as { kind: string; progress?: number; status?: string });
    const progress = events.filter((e) => e.kind === "progress").map((e) => e.progress!);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(new Set(progress).size).toBe(progress.length);
    expect(events.filter((e) => e.kind === "status").map((e) => e.status)).toEqual(["queued", "running", "succeeded"]);
    // 3 callbacks sent twice + one stale progress: wait until the backend has sent them all.
    const answers = () => pump.replayed.filter((r) => r.path === `/v1/tasks/${task.id}/callback`).map((r) => r.answer);
    const deadline = Date.now() + 5_000;
    while (answers().length < 7 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const outcomes = answers().map((a) => a.replace(/^200 /, ""));
    expect(outcomes.filter((a) => a === '{"outcome":"applied"}')).toHaveLength(3);
    expect(
      outcomes
        .filter((a) => a !== '{"outcome":"applied"}')
        .every((a) => ['{"outcome":"duplicate"}', '{"outcome":"finished"}'].includes(a)),
    ).toBe(true);
    expect(outcomes).toHaveLength(7);
  });

  it("ignores callbacks that arrive after the result", async () => {
    // The backend sends a progress and a second result after the first result.
    await useOnlyBackends([jobBackend("jobs-late", faultUrl("late"))]);
    const u = await registerUser("thumb");
    const task = await thumbnail(u);
    const done = await waitForTask(u.accessToken, task.id, finished);
    await new Promise((r) => setTimeout(r, 300));
    const again = await waitForTask(u.accessToken, task.id, finished);
    expect(again).toEqual(done);
    expect(done.result).toMatchObject({ width: 64 });
    const answers = () => pump.replayed.filter((r) => r.path === `/v1/tasks/${task.id}/callback`).map((r) => r.answer);
    const deadline = Date.now() + 5_000;
    while (answers().length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(answers().slice(-2)).toEqual(['200 {"outcome":"finished"}', '200 {"outcome":"finished"}']);
  });

  it("cancels a running job at the backend", async () => {
    await useOnlyBackends([jobBackend("jobs-stall", faultUrl("stall"))]);
    const before = await (await fetch(`${env.TEST_BACKEND_URL}/stats`)).json<{ canceled: number }>();
    const u = await registerUser("thumb");
    const task = await thumbnail(u);
    await waitForTask(u.accessToken, task.id, (t) => t.progress > 0);
    const res = await call(`/v1/tasks/${task.id}/cancel`, { method: "POST", token: u.accessToken });
    expect((await json<{ status: string }>(res)).status).toBe("canceled");
    const deadline = Date.now() + 5_000;
    let after = before;
    while (after.canceled <= before.canceled && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      after = await (await fetch(`${env.TEST_BACKEND_URL}/stats`)).json<{ canceled: number }>();
    }
    expect(after.canceled).toBeGreaterThan(before.canceled);
    const again = await call(`/v1/tasks/${task.id}/cancel`, { method: "POST", token: u.accessToken });
    expect((await json<{ status: string }>(again)).status).toBe("canceled");
  });

  it("rejects callbacks with a bad signature, another task's token or an access token", async () => {
    await useOnlyBackends([]);
    const u = await registerUser("thumb");
    const task = await thumbnail(u);
    const body = { jobId: `${task.id}.1`, seq: 0, kind: "progress", progress: 0.5 };
    const jwt = { issuer: "plaza", secret: env.JWT_SECRET };
    const forged = await signTaskToken(
      { taskId: task.id, jobId: `${task.id}.1` },
      { issuer: "plaza", secret: "another-secret-another-secret-another-secret" },
      60,
    );
    const otherTask = await signTaskToken({ taskId: crypto.randomUUID(), jobId: "x.1" }, jwt, 60);
    const access = await signAccessToken(
      { userId: u.user.id, sessionId: crypto.randomUUID(), username: u.user.username },
      { ...jwt, audience: "plaza-api", accessTtlSeconds: 60 },
    );
    for (const token of [forged, otherTask, access, u.accessToken]) {
      const res = await call(`/v1/tasks/${task.id}/callback`, { body, headers: { Authorization: `Bearer ${token}` } });
      await expectProblem(res, 401, "unauthorized");
    }
    const valid = await signTaskToken({ taskId: task.id, jobId: `${task.id}.1` }, jwt, 60);
    // A valid token still cannot act as an access token.
    await expectProblem(await call("/v1/me", { token: valid }), 401, "unauthorized");
    // ...and a valid one for an attempt that is not running is accepted and ignored.
    const res = await call(`/v1/tasks/${task.id}/callback`, { body, headers: { Authorization: `Bearer ${valid}` } });
    expect(await json(res)).toEqual({ outcome: "late" });
  });
});

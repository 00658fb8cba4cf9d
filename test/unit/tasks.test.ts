// Pure task pieces: the breaker, backend selection, retry backoff, media URLs, BACKENDS parsing,
// the forward-only status order, and callback vs access tokens.
import { describe, expect, it } from "vitest";
import { afterOutcome, admits, closedBreaker, probing } from "../../durable/pool/breaker";
import { pickBackend, type PoolEntry } from "../../durable/pool/select";
import { OutputBuffer } from "../../durable/task/output-buffer";
import type { TaskState } from "../../durable/task/store";
import { watchdogVerdict } from "../../durable/task/watchdog";
import { signAccessToken, signTaskToken, verifyAccessToken, verifyTaskToken } from "../../src/auth/tokens";
import { mediaKeyFromUrl, retryDelaySeconds } from "../../src/protocol/task-types";
import { canTransition, parseBackendsVar } from "../../src/protocol/tasks";

const settings = { failureThreshold: 3, cooldownMs: 1000 };

describe("circuit breaker", () => {
  it("opens after N consecutive failures, half-opens after the cooldown, closes on a good probe", () => {
    let b = closedBreaker();
    for (let i = 0; i < 2; i++) b = afterOutcome(b, settings, "failure", false, 0);
    expect(b.state).toBe("closed");
    b = afterOutcome(b, settings, "failure", false, 100);
    expect(b).toEqual({ state: "open", consecutiveFailures: 3, openedAt: 100 });
    expect(admits(b, settings, 500, false)).toEqual({ ok: false, probe: false });
    expect(admits(b, settings, 1100, false)).toEqual({ ok: true, probe: true });
    b = probing(b);
    expect(b.state).toBe("half-open");
    expect(admits(b, settings, 1100, true).ok).toBe(false);
    expect(afterOutcome(b, settings, "failure", true, 1200)).toMatchObject({ state: "open", openedAt: 1200 });
    expect(afterOutcome(b, settings, "success", true, 1200)).toEqual(closedBreaker());
    expect(afterOutcome(b, settings, "neutral", true, 1200).state).toBe("open");
  });

  it("a success resets the failure count; neutral outcomes change nothing", () => {
    let b = afterOutcome(closedBreaker(), settings, "failure", false, 0);
    b = afterOutcome(b, settings, "neutral", false, 0);
    expect(b.consecutiveFailures).toBe(1);
    expect(afterOutcome(b, settings, "success", false, 0).consecutiveFailures).toBe(0);
  });
});

describe("pickBackend", () => {
  const entry = (id: string, capacity: number, extra: Partial<PoolEntry> = {}): PoolEntry => ({
    spec: { id, url: `http://${id}`, protocol: "openai", capabilities: ["llm.chat"], capacity },
    source: "runtime",
    enabled: true,
    healthy: null,
    lastHealthAt: null,
    breaker: closedBreaker(),
    served: { started: 0, succeeded: 0, failed: 0 },
    ...extra,
  });
  const want = { capability: "llm.chat", protocol: "openai" as const };

  it("takes the least in-flight backend with room, skipping full, drained, unhealthy and open ones", () => {
    const load: Record<string, number> = { a: 3, b: 1, c: 0, d: 0, e: 0, f: 2 };
    const entries = [
      entry("a", 8),
      entry("b", 8),
      entry("c", 8, { enabled: false }),
      entry("d", 8, { healthy: false }),
      entry("e", 8, { breaker: { state: "open", consecutiveFailures: 3, openedAt: 0 } }),
      entry("f", 2),
    ];
    const pick = pickBackend(
      entries,
      want,
      (id) => load[id] ?? 0,
      () => false,
      settings,
      10,
    );
    expect(pick?.entry.spec.id).toBe("b");
    expect(
      pickBackend(
        [entry("f", 2)],
        want,
        () => 2,
        () => false,
        settings,
        10,
      ),
    ).toBeUndefined();
    expect(
      pickBackend(
        [entry("a", 8)],
        { capability: "image.thumbnail", protocol: "openai" },
        () => 0,
        () => false,
        settings,
        10,
      ),
    ).toBeUndefined();
  });
});

describe("task helpers", () => {
  it("backs off exponentially within the policy's bounds", () => {
    const policy = { maxAttempts: 5, baseDelaySeconds: 2, maxDelaySeconds: 30 };
    expect(retryDelaySeconds(policy, 1, 1)).toBe(2);
    expect(retryDelaySeconds(policy, 3, 1)).toBe(8);
    expect(retryDelaySeconds(policy, 10, 1)).toBe(30);
    expect(retryDelaySeconds(policy, 10, 0)).toBe(15);
  });

  it("reads media keys from Plaza media URLs only", () => {
    expect(mediaKeyFromUrl("/media/a/b.jpg")).toBe("a/b.jpg");
    expect(mediaKeyFromUrl("http://127.0.0.1:8787/media/x%20y.png")).toBe("x y.png");
    expect(mediaKeyFromUrl("/media/../secret")).toBeUndefined();
    expect(mediaKeyFromUrl("/v1/me")).toBeUndefined();
    expect(mediaKeyFromUrl("/media/%E0%A4%A")).toBeUndefined();
  });

  it("parses BACKENDS and refuses malformed entries", () => {
    const specs = parseBackendsVar(
      '[{"id":"a","url":"http://h:1","protocol":"openai","capabilities":["llm.chat"],"capacity":2}]',
    );
    expect(specs[0]!.id).toBe("a");
    expect(() => parseBackendsVar('[{"id":"a"}]')).toThrow(/BACKENDS/);
    expect(() =>
      parseBackendsVar('[{"id":"a","url":"ftp://h","protocol":"openai","capabilities":["x"],"capacity":1}]'),
    ).toThrow();
  });

  it("moves status forward only", () => {
    expect(canTransition("queued", "running")).toBe(true);
    expect(canTransition("running", "queued")).toBe(false);
    expect(canTransition("succeeded", "failed")).toBe(false);
    expect(canTransition("queued", "canceled")).toBe(true);
  });
});

describe("callback tokens and access tokens never pass as each other", () => {
  const jwt = { issuer: "plaza", audience: "plaza-api", secret: "s".repeat(40), accessTtlSeconds: 60 };
  it("each verifier accepts only its own kind", async () => {
    const task = await signTaskToken({ taskId: "t1", jobId: "t1.1" }, jwt, 60);
    const access = await signAccessToken({ userId: "u", sessionId: "s", username: "n" }, jwt);
    expect(await verifyTaskToken(task, jwt)).toEqual({ taskId: "t1", jobId: "t1.1" });
    expect(await verifyAccessToken(task, jwt)).toBeUndefined();
    expect(await verifyTaskToken(access, jwt)).toBeUndefined();
    expect(await verifyTaskToken(task, { ...jwt, secret: "x".repeat(40) })).toBeUndefined();
    const expired = await signTaskToken({ taskId: "t1", jobId: "t1.1" }, jwt, 1, Date.now() - 120_000);
    expect(await verifyTaskToken(expired, jwt)).toBeUndefined();
  });
});

describe("watchdog verdicts", () => {
  const backend = { id: "b", url: "http://b", protocol: "openai" as const, capabilities: ["llm.chat"], capacity: 1 };
  const base: TaskState = {
    id: "t",
    userId: "u",
    type: "llm.chat",
    priority: "normal",
    input: {},
    createdAt: 0,
    status: "running",
    phase: "active",
    progress: 0,
    attempts: 1,
    failures: 0,
    startedAt: 0,
    deadline: 100_000,
    d1Dirty: false,
    job: { jobId: "t.1", backend, startedAt: 0, lastSeq: -1, lastActivityAt: 0 },
  };
  const w = { now: 10_000, silenceMs: 30_000, streamAlive: true, streamActivity: 5_000, resendGraceMs: 30_000 };
  it("rearms while the stream is alive and talking, and decides otherwise", () => {
    expect(watchdogVerdict(base, w)).toEqual({ action: "rearm", at: 35_000 });
    expect(watchdogVerdict(base, { ...w, now: 40_000 })).toEqual({ action: "silent" });
    expect(watchdogVerdict(base, { ...w, streamAlive: false })).toEqual({ action: "interrupted" });
    expect(watchdogVerdict(base, { ...w, now: 100_000 })).toEqual({ action: "timeout" });
    const job = {
      ...base,
      job: { ...base.job!, backend: { ...backend, protocol: "plaza-job" as const }, lastActivityAt: 9_000 },
    };
    expect(watchdogVerdict(job, { ...w, streamAlive: false })).toEqual({ action: "rearm", at: 39_000 });
    expect(watchdogVerdict({ ...base, phase: "retry_wait", job: undefined, retryAt: 5_000 }, w)).toEqual({
      action: "resend",
      next: 40_000,
    });
    expect(watchdogVerdict({ ...base, phase: "done", job: undefined }, w)).toEqual({ action: "idle" });
  });
});

describe("output coalescing", () => {
  it("sends the first delta at once and coalesces the rest", async () => {
    const sent: string[] = [];
    const buffer = new OutputBuffer(20, (t) => sent.push(t));
    buffer.add("a");
    buffer.add("b");
    buffer.add("c");
    expect(sent).toEqual(["a"]);
    await new Promise((r) => setTimeout(r, 40));
    expect(sent).toEqual(["a", "bc"]);
    buffer.add("d");
    buffer.flush();
    expect(sent).toEqual(["a", "bc", "d"]);
  });
});

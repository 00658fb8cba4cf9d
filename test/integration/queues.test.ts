// Queue consumers: poison messages go straight to the dead-letter queue (no retry loop),
// and dead letters are recorded in D1 for operators.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";

async function deadLettersWith(marker: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { results } = await env.DB.prepare("SELECT * FROM dead_letters WHERE body LIKE ?").bind(`%${marker}%`).all<{
      queue: string;
      reason: string;
      attempts: number;
      body: string;
    }>();
    if (results.length > 0 || Date.now() > deadline) return results;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("events consumer", () => {
  it("acks an unknown event after sending it to the DLQ, which records it in D1", async () => {
    const marker = crypto.randomUUID();
    const batch = createMessageBatch("plaza-events", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: { type: "no-such-event", marker } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["m1"]);
    expect(result.retryMessages).toEqual([]);
    const rows = await deadLettersWith(marker);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ queue: "plaza-events-dlq", reason: "unknown message type", attempts: 1 });
    expect(JSON.parse(rows[0]!.body)).toEqual({ type: "no-such-event", marker });
  });
});

describe("dead-letter consumer", () => {
  it("records messages that exhausted their retries, in chunks within D1's parameter limit", async () => {
    const marker = crypto.randomUUID();
    const messages = Array.from({ length: 45 }, (_, i) => ({
      id: `d${i}`,
      timestamp: new Date(),
      attempts: 4,
      body: { marker, i },
    }));
    const batch = createMessageBatch("plaza-tasks-dlq", messages);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.ackAll).toBe(true);
    const rows = await deadLettersWith(marker);
    expect(rows).toHaveLength(45);
    expect(
      rows.every((r) => r.reason === "retries exhausted" && r.queue === "plaza-tasks-dlq" && r.attempts === 4),
    ).toBe(true);
  });
});

// Replaying dead letters (issue 14.6): POST /v1/admin/dead-letters/replay (operator token) sends
// the rows the DLQ consumers recorded back to their queue and forgets them; npm run dlq:replay
// calls it under npm start.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser } from "../support/api";
import { waitFor } from "../support/feed";

const replay = (body: unknown, token = env.BACKEND_TOKEN) =>
  call("/v1/admin/dead-letters/replay", { body, headers: { Authorization: `Bearer ${token}` } });

describe("dead-letter replay", () => {
  it("is for operators only, and validates its body", async () => {
    const u = await registerUser("dlq");
    await expectProblem(
      await call("/v1/admin/dead-letters/replay", { body: { queue: "plaza-events-dlq" } }),
      401,
      "unauthorized",
    );
    await expectProblem(await replay({ queue: "plaza-events-dlq" }, u.accessToken), 401, "unauthorized");
    await expectProblem(await replay({ queue: "plaza-events" }), 400, "validation_failed");
    await expectProblem(await replay({ queue: "plaza-events-dlq", limit: 1000 }), 400, "validation_failed");
  });

  it("sends a recorded like event back to EVENTS, whose consumer applies it, and deletes the row", async () => {
    const [author, fan] = await Promise.all([registerUser("dlq"), registerUser("dlq")]);
    const post = await json<{ id: string }>(
      await call("/v1/posts", { token: author.accessToken, body: { content: "lost like" } }),
    );
    // The like row is there; its event died in the DLQ, so the counter never moved.
    const event = { type: "post.liked", id: crypto.randomUUID(), postId: post.id, at: Date.now(), userId: fan.user.id };
    const rowId = crypto.randomUUID();
    await env.DB.batch([
      env.DB.prepare("INSERT INTO likes (post_id, user_id) VALUES (?, ?)").bind(post.id, fan.user.id),
      env.DB.prepare(
        "INSERT INTO dead_letters (id, queue, body, reason, attempts) VALUES (?, 'plaza-events-dlq', ?, 'retries exhausted', 4)",
      ).bind(rowId, JSON.stringify(event)),
    ]);
    const likes = () =>
      env.DB.prepare("SELECT likes FROM post_stats WHERE post_id = ?").bind(post.id).first<{ likes: number }>();
    expect(await likes()).toEqual({ likes: 0 });

    // Other files may have left rows in this DLQ: replay until ours is gone.
    let replayed = 0;
    for (let round = 0; round < 20; round++) {
      const res = await replay({ queue: "plaza-events-dlq", limit: 90 });
      expect(res.status, await res.clone().text()).toBe(200);
      const outcome = await json<{ queue: string; replayed: number; remaining: number; to: Record<string, number> }>(
        res,
      );
      expect(outcome.queue).toBe("plaza-events-dlq");
      replayed += outcome.replayed;
      const row = await env.DB.prepare("SELECT id FROM dead_letters WHERE id = ?").bind(rowId).first();
      if (!row) break;
    }
    expect(replayed).toBeGreaterThanOrEqual(1);
    await waitFor(likes, (s) => s?.likes === 1);
  });
});

describe("POST /v1/admin/dlq/:queue/replay (the documented name)", () => {
  const dlq = (queue: string, token: string | null = env.BACKEND_TOKEN, body?: unknown) =>
    call(`/v1/admin/dlq/${queue}/replay`, {
      method: "POST",
      ...(body === undefined ? {} : { body }),
      headers: token === null ? {} : { Authorization: `Bearer ${token}` },
    });

  it("is for operators only and knows only the dead-letter queues", async () => {
    const u = await registerUser("dlq");
    await expectProblem(await dlq("plaza-tasks-dlq", null), 401, "unauthorized");
    await expectProblem(await dlq("plaza-tasks-dlq", u.accessToken), 401, "unauthorized");
    await expectProblem(await dlq("plaza-events"), 400, "validation_failed");
    await expectProblem(await dlq("plaza-tasks-dlq", env.BACKEND_TOKEN, { limit: 0 }), 400, "validation_failed");
  });

  it("replays recorded letters with or without a body, and forgets each replayed row", async () => {
    const rowId = crypto.randomUUID();
    // A task message for a task that does not exist: the tasks consumer drops it (acked).
    await env.DB.prepare(
      "INSERT INTO dead_letters (id, queue, body, reason, attempts) VALUES (?, 'plaza-tasks-dlq', ?, 'retries exhausted', 6)",
    )
      .bind(rowId, JSON.stringify({ taskId: crypto.randomUUID() }))
      .run();
    const row = () => env.DB.prepare("SELECT id FROM dead_letters WHERE id = ?").bind(rowId).first();
    for (let round = 0; round < 20 && (await row()); round++) {
      const res = await dlq("plaza-tasks-dlq", env.BACKEND_TOKEN, round % 2 ? { limit: 90 } : undefined);
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await json(res)).toMatchObject({ queue: "plaza-tasks-dlq" });
    }
    expect(await row()).toBeNull();
    // Repeating the call is safe: the row is not sent again.
    expect((await dlq("plaza-tasks-dlq")).status).toBe(200);
    expect(await row()).toBeNull();
  });
});

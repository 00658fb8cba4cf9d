import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { call, json, registerUser } from "../support/api";

describe("cron: session sweep", () => {
  it("deletes expired and long-revoked sessions with their refresh tokens, keeps live ones", async () => {
    const u = await registerUser("sweep");
    const now = Date.now();
    const day = 86_400_000;
    const insert = env.DB.prepare(
      "INSERT INTO sessions (id, user_id, last_used_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?)",
    );
    const ids = { expired: crypto.randomUUID(), oldRevoked: crypto.randomUUID(), freshRevoked: crypto.randomUUID() };
    await env.DB.batch([
      insert.bind(ids.expired, u.user.id, now - 40 * day, now - day, null),
      insert.bind(ids.oldRevoked, u.user.id, now - 20 * day, now + day, now - 8 * day),
      insert.bind(ids.freshRevoked, u.user.id, now - day, now + day, now - day),
      env.DB.prepare("INSERT INTO refresh_tokens (token_hash, session_id) VALUES (?, ?)").bind(
        `h-${ids.expired}`,
        ids.expired,
      ),
    ]);

    await worker.scheduled(
      createScheduledController({ cron: "*/5 * * * *", scheduledTime: now }),
      env,
      createExecutionContext(),
    );

    const { results } = await env.DB.prepare("SELECT id FROM sessions WHERE user_id = ?")
      .bind(u.user.id)
      .all<{ id: string }>();
    const left = results.map((r) => r.id);
    expect(left).not.toContain(ids.expired);
    expect(left).not.toContain(ids.oldRevoked);
    expect(left).toContain(ids.freshRevoked);
    expect(left).toHaveLength(2); // the registration session and the freshly revoked one
    const token = await env.DB.prepare("SELECT * FROM refresh_tokens WHERE token_hash = ?")
      .bind(`h-${ids.expired}`)
      .first();
    expect(token).toBeNull();
  });
});

describe("cron: counter reconciliation (issue 14.6)", () => {
  it("recounts drifted likes and comments of recently active posts from the rows and logs the drift", async () => {
    const [author, fan] = await Promise.all([registerUser("recon"), registerUser("recon")]);
    const post = await json<{ id: string }>(
      await call("/v1/posts", { token: author.accessToken, body: { content: "counted" } }),
    );
    const steady = await json<{ id: string }>(
      await call("/v1/posts", { token: author.accessToken, body: { content: "steady" } }),
    );
    await env.DB.batch([
      env.DB.prepare("INSERT INTO likes (post_id, user_id) VALUES (?, ?), (?, ?)").bind(
        post.id,
        fan.user.id,
        post.id,
        author.user.id,
      ),
      env.DB.prepare("INSERT INTO comments (id, post_id, author_id, content) VALUES (?, ?, ?, 'c')").bind(
        crypto.randomUUID(),
        post.id,
        fan.user.id,
      ),
      // As after a crash: the rows are there, the counters say otherwise.
      env.DB.prepare("UPDATE post_stats SET likes = 7, comments = 0 WHERE post_id = ?").bind(post.id),
    ]);
    const warn = vi.spyOn(console, "warn");
    try {
      const run = () =>
        worker.scheduled(
          createScheduledController({ cron: "*/5 * * * *", scheduledTime: Date.now() }),
          env,
          createExecutionContext(),
        );
      await run();
      const stats = await env.DB.prepare("SELECT post_id, likes, comments FROM post_stats WHERE post_id IN (?, ?)")
        .bind(post.id, steady.id)
        .all<{ post_id: string; likes: number; comments: number }>();
      expect(stats.results.find((r) => r.post_id === post.id)).toMatchObject({ likes: 2, comments: 1 });
      expect(stats.results.find((r) => r.post_id === steady.id)).toMatchObject({ likes: 0, comments: 0 });
      const lines = warn.mock.calls.map((args) => JSON.parse(String(args[0])) as Record<string, unknown>);
      const drift = lines.find((l) => l.msg === "post counters drift corrected");
      expect(drift).toBeDefined();
      // Other tests' posts may drift too (files share the database); ours is among them.
      expect(drift!.corrected).toBeGreaterThanOrEqual(1);
      expect(drift!.likesDrift).toBeGreaterThanOrEqual(5);
      expect(drift!.commentsDrift).toBeGreaterThanOrEqual(1);
      // Idempotent: a second run finds nothing to fix and says nothing.
      warn.mockClear();
      await run();
      expect(warn.mock.calls.some((args) => String(args[0]).includes("drift corrected"))).toBe(false);
      const again = await env.DB.prepare("SELECT likes, comments FROM post_stats WHERE post_id = ?")
        .bind(post.id)
        .first<{ likes: number; comments: number }>();
      expect(again).toEqual({ likes: 2, comments: 1 });
    } finally {
      warn.mockRestore();
    }
  });
});

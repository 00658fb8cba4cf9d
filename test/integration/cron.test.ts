import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { registerUser } from "../support/api";

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

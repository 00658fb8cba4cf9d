import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser } from "../support/api";

type Profile = { id: string; followers: number; following: number; followedByMe: boolean; createdAt: string };

describe("/v1/me and /v1/users/:id", () => {
  it("/v1/me returns the caller", async () => {
    const u = await registerUser("me");
    const me = await json<Profile & { username: string }>(await call("/v1/me", { token: u.accessToken }));
    expect(me).toMatchObject({ id: u.user.id, username: u.user.username, followers: 0, following: 0 });
    expect(new Date(me.createdAt).toISOString()).toBe(me.createdAt);
  });

  it("needs a token", async () => {
    await expectProblem(await call("/v1/me"), 401, "unauthorized");
    await expectProblem(await call(`/v1/users/${crypto.randomUUID()}`), 401, "unauthorized");
  });

  it("a missing user is 404", async () => {
    const u = await registerUser("me");
    await expectProblem(await call(`/v1/users/${crypto.randomUUID()}`, { token: u.accessToken }), 404, "not_found");
  });

  it("never exposes the password hash", async () => {
    const u = await registerUser("me");
    const text = await (await call(`/v1/users/${u.user.id}`, { token: u.accessToken })).text();
    expect(text).not.toContain("pbkdf2");
    expect(text).not.toContain("password");
  });
});

describe("/v1/usernames/:username (web: find people by name)", () => {
  it("finds a user's profile by exact username, 404 for nobody, 400 for a malformed name, 401 without a token", async () => {
    const [a, b] = await Promise.all([registerUser("ua"), registerUser("ub")]);
    const found = await json<Profile & { username: string }>(
      await call(`/v1/usernames/${b.user.username}`, { token: a.accessToken }),
    );
    expect(found).toMatchObject({ id: b.user.id, username: b.user.username, followedByMe: false });
    await expectProblem(
      await call(`/v1/usernames/nobody_${Date.now().toString(36)}`, { token: a.accessToken }),
      404,
      "not_found",
    );
    await expectProblem(await call("/v1/usernames/NOT%20valid", { token: a.accessToken }), 400, "validation_failed");
    await expectProblem(await call(`/v1/usernames/${b.user.username}`), 401, "unauthorized");
  });
});

describe("follow and unfollow", () => {
  it("follows idempotently with exact counters on both sides", async () => {
    const [a, b] = await Promise.all([registerUser("fa"), registerUser("fb")]);
    for (let i = 0; i < 3; i++) {
      expect((await call(`/v1/users/${b.user.id}/follow`, { method: "POST", token: a.accessToken })).status).toBe(204);
    }
    const bProfile = await json<Profile>(await call(`/v1/users/${b.user.id}`, { token: a.accessToken }));
    expect(bProfile).toMatchObject({ followers: 1, following: 0, followedByMe: true });
    const aProfile = await json<Profile>(await call(`/v1/users/${a.user.id}`, { token: b.accessToken }));
    expect(aProfile).toMatchObject({ followers: 0, following: 1, followedByMe: false });

    for (let i = 0; i < 2; i++) {
      expect((await call(`/v1/users/${b.user.id}/follow`, { method: "DELETE", token: a.accessToken })).status).toBe(
        204,
      );
    }
    const after = await json<Profile>(await call(`/v1/users/${b.user.id}`, { token: a.accessToken }));
    expect(after).toMatchObject({ followers: 0, followedByMe: false });
  });

  it("concurrent follows from many users count exactly", async () => {
    const target = await registerUser("star");
    const fans = await Promise.all(Array.from({ length: 6 }, () => registerUser("fan")));
    await Promise.all(
      fans.flatMap((f) =>
        [1, 2].map(() => call(`/v1/users/${target.user.id}/follow`, { method: "POST", token: f.accessToken })),
      ),
    );
    const row = await env.DB.prepare("SELECT followers FROM users WHERE id = ?")
      .bind(target.user.id)
      .first<{ followers: number }>();
    expect(row?.followers).toBe(6);
  });

  it("following yourself is 422 and following a missing user is 404", async () => {
    const u = await registerUser("self");
    await expectProblem(
      await call(`/v1/users/${u.user.id}/follow`, { method: "POST", token: u.accessToken }),
      422,
      "cannot_follow_self",
    );
    await expectProblem(
      await call(`/v1/users/${crypto.randomUUID()}/follow`, { method: "POST", token: u.accessToken }),
      404,
      "not_found",
    );
    const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM follows WHERE follower_id = ?")
      .bind(u.user.id)
      .first<{ n: number }>();
    expect(row?.n).toBe(0);
  });
});

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem, freshIp, json, registerUser, uniqueUsername, type TestUser } from "../support/api";

type Tokens = { accessToken: string; refreshToken: string; expiresIn: number };

describe("register", () => {
  it("creates the account, returns tokens, and stores the password hashed with its parameters", async () => {
    const username = uniqueUsername("reg");
    const res = await call("/v1/auth/register", {
      body: { username, password: "a long enough password", displayName: "Reg Ister" },
    });
    expect(res.status).toBe(201);
    const body = await json<{ user: Record<string, unknown> } & Tokens>(res);
    expect(body.user).toMatchObject({
      username,
      displayName: "Reg Ister",
      followers: 0,
      following: 0,
      avatarUrl: null,
    });
    expect(body.expiresIn).toBe(900);
    expect(body.accessToken.split(".")).toHaveLength(3);
    expect(body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const row = await env.DB.prepare("SELECT password_hash FROM users WHERE username = ?")
      .bind(username)
      .first<{ password_hash: string }>();
    expect(row?.password_hash).toMatch(/^pbkdf2-sha256\$100000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(row?.password_hash).not.toContain("a long enough password");
  });

  it("rejects a taken username with 409 username_taken and changes nothing", async () => {
    const first = await registerUser("dup");
    const res = await call("/v1/auth/register", {
      body: { username: first.user.username, password: "another password" },
    });
    await expectProblem(res, 409, "username_taken");
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM users WHERE username = ?")
      .bind(first.user.username)
      .first<{ n: number }>();
    expect(count?.n).toBe(1);
  });

  it.each([
    ["uppercase username", { username: "Alice", password: "password123" }],
    ["short username", { username: "ab", password: "password123" }],
    ["long username", { username: "a".repeat(33), password: "password123" }],
    ["short password", { username: "valid_name", password: "short" }],
    ["long password", { username: "valid_name", password: "p".repeat(129) }],
    ["missing password", { username: "valid_name" }],
    ["unknown field", { username: "valid_name", password: "password123", admin: true }],
    ["wrong type", { username: 42, password: "password123" }],
  ])("rejects %s with 400 validation_failed", async (_name, body) => {
    const problem = await expectProblem(await call("/v1/auth/register", { body }), 400, "validation_failed");
    expect(problem.errors?.length).toBeGreaterThan(0);
  });
});

describe("login", () => {
  it("logs in with the right password and returns the user and tokens", async () => {
    const u = await registerUser("login");
    const res = await call("/v1/auth/login", {
      body: { username: u.user.username, password: u.password, deviceId: "phone-1" },
    });
    expect(res.status).toBe(200);
    const body = await json<{ user: { id: string } } & Tokens>(res);
    expect(body.user.id).toBe(u.user.id);
    const me = await call("/v1/me", { token: body.accessToken });
    expect((await json<{ id: string }>(me)).id).toBe(u.user.id);
    const session = await env.DB.prepare("SELECT device_id FROM sessions WHERE user_id = ? AND device_id IS NOT NULL")
      .bind(u.user.id)
      .first<{ device_id: string }>();
    expect(session?.device_id).toBe("phone-1");
  });

  it("answers a wrong password and an unknown user the same way", async () => {
    const u = await registerUser("login");
    const wrong = await call("/v1/auth/login", { body: { username: u.user.username, password: "not the password" } });
    const unknown = await call("/v1/auth/login", {
      body: { username: uniqueUsername("ghost"), password: "whatever123" },
    });
    const a = await expectProblem(wrong, 401, "invalid_credentials");
    const b = await expectProblem(unknown, 401, "invalid_credentials");
    expect(a.detail).toBe(b.detail);
  });

  it("upgrades a hash made with fewer iterations on the next login", async () => {
    const u = await registerUser("rehash");
    // Simulate an account created when the configured cost was lower.
    const { hashPassword } = await import("../../src/auth/passwords");
    const weak = await hashPassword(u.password, { iterations: 10_000, pepper: env.PASSWORD_PEPPER });
    await env.DB.prepare("UPDATE users SET password_hash = ? WHERE id = ?").bind(weak, u.user.id).run();
    const res = await call("/v1/auth/login", { body: { username: u.user.username, password: u.password } });
    expect(res.status).toBe(200);
    const row = await env.DB.prepare("SELECT password_hash FROM users WHERE id = ?")
      .bind(u.user.id)
      .first<{ password_hash: string }>();
    expect(row?.password_hash.startsWith("pbkdf2-sha256$100000$")).toBe(true);
  });
});

async function refresh(refreshToken: string): Promise<Response> {
  return call("/v1/auth/refresh", { body: { refreshToken } });
}

describe("refresh rotation", () => {
  it("returns a new pair and spends the old refresh token", async () => {
    const u = await registerUser("rot");
    const res = await refresh(u.refreshToken);
    expect(res.status).toBe(200);
    const next = await json<Tokens>(res);
    expect(next.refreshToken).not.toBe(u.refreshToken);
    expect(next.expiresIn).toBe(900);
    expect((await call("/v1/me", { token: next.accessToken })).status).toBe(200);
    // The chain goes on: the new refresh token works once too.
    expect((await refresh(next.refreshToken)).status).toBe(200);
  });

  it("reusing a spent refresh token revokes the whole session family", async () => {
    const u = await registerUser("reuse");
    const rotated = await json<Tokens>(await refresh(u.refreshToken));
    // An attacker replays the original token.
    await expectProblem(await refresh(u.refreshToken), 401, "unauthorized");
    // The legitimate holder's newer tokens died with the session.
    await expectProblem(await refresh(rotated.refreshToken), 401, "unauthorized");
    await expectProblem(await call("/v1/me", { token: rotated.accessToken }), 401, "unauthorized");
    await expectProblem(await call("/v1/me", { token: u.accessToken }), 401, "unauthorized");
    const session = await env.DB.prepare("SELECT revoked_reason FROM sessions WHERE user_id = ?")
      .bind(u.user.id)
      .first<{ revoked_reason: string }>();
    expect(session?.revoked_reason).toBe("refresh_token_reused");
  });

  it("two concurrent refreshes with one token never both succeed", async () => {
    const u = await registerUser("race");
    const results = await Promise.all([refresh(u.refreshToken), refresh(u.refreshToken)]);
    const ok = results.filter((r) => r.status === 200).length;
    expect(ok).toBeLessThanOrEqual(1);
    expect(results.every((r) => r.status === 200 || r.status === 401)).toBe(true);
  });

  it("an unknown refresh token is a 401 and a malformed one a 400", async () => {
    await expectProblem(await refresh("x".repeat(43)), 401, "unauthorized");
    await expectProblem(await refresh("short"), 400, "validation_failed");
  });

  it("other sessions of the same user are not affected by one session's reuse", async () => {
    const u = await registerUser("multi");
    const other = await json<Tokens>(
      await call("/v1/auth/login", { body: { username: u.user.username, password: u.password } }),
    );
    await refresh(u.refreshToken);
    await refresh(u.refreshToken); // reuse: revokes the first session only
    expect((await call("/v1/me", { token: other.accessToken })).status).toBe(200);
    expect((await refresh(other.refreshToken)).status).toBe(200);
  });
});

describe("logout", () => {
  async function loggedOut(): Promise<TestUser> {
    const u = await registerUser("bye");
    const res = await call("/v1/auth/logout", { method: "POST", token: u.accessToken });
    expect(res.status).toBe(204);
    return u;
  }

  it("kills the session's access token at once", async () => {
    const u = await loggedOut();
    await expectProblem(await call("/v1/me", { token: u.accessToken }), 401, "unauthorized");
  });

  it("kills the session's refresh token", async () => {
    const u = await loggedOut();
    await expectProblem(await refresh(u.refreshToken), 401, "unauthorized");
  });

  it("needs a valid access token", async () => {
    await expectProblem(await call("/v1/auth/logout", { method: "POST" }), 401, "unauthorized");
  });
});

describe("rate limits (AUTH_LIMITER: 20 per 60 s)", () => {
  it("limits login attempts per IP with 429 and Retry-After", async () => {
    const ip = freshIp();
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      const res = await call("/v1/auth/login", {
        ip,
        body: { username: uniqueUsername("rl"), password: "whatever123" },
      });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.headers.get("Retry-After")).toBe("60");
        await expectProblem(res, 429, "rate_limited");
      } else {
        await res.body?.cancel();
      }
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses[20]).toBe(429);
  });

  it("limits login attempts per username across IPs", async () => {
    const u = await registerUser("target");
    let limited: Response | undefined;
    for (let i = 0; i < 21 && !limited; i++) {
      const res = await call("/v1/auth/login", { body: { username: u.user.username, password: `guess${i}` } });
      if (res.status === 429) limited = res;
      else await res.body?.cancel();
    }
    expect(limited).toBeDefined();
    await expectProblem(limited!, 429, "rate_limited");
  });

  it("limits registrations per IP", async () => {
    const ip = freshIp();
    let limitedAt = -1;
    for (let i = 0; i < 21 && limitedAt < 0; i++) {
      // Invalid bodies are counted too: the IP limit runs before validation.
      const res = await call("/v1/auth/register", { ip, body: { username: "x" } });
      if (res.status === 429) limitedAt = i;
      await res.body?.cancel();
    }
    expect(limitedAt).toBe(20);
  });
});

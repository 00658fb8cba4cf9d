// People search (issue 16, decision 0085): GET /v1/search/users by username or display-name
// prefix, case-insensitive, wildcards as text, suspended users and blockers hidden, paged, 400/401.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { peopleQuery } from "../../src/services/user-search";
import { call, expectProblem, json, type TestUser } from "../support/api";
import { userWithRole } from "../support/moderation";

interface Page {
  items: { id: string; username: string; displayName: string; avatarUrl: string | null; role: string }[];
  nextCursor: string | null;
}

/** A tag unique to one test, so other files' users never match. */
const tag = () => `s${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`.slice(0, 12);

async function register(username: string, displayName?: string): Promise<TestUser> {
  const password = "correct horse battery staple";
  const res = await call("/v1/auth/register", { body: { username, password, displayName } });
  expect(res.status, await res.clone().text()).toBe(201);
  return { ...(await json<Omit<TestUser, "password">>(res)), password };
}

async function search(user: TestUser, query: string): Promise<Page> {
  const res = await call(`/v1/search/users?${query}`, { token: user.accessToken });
  expect(res.status, await res.clone().text()).toBe(200);
  return json<Page>(res);
}

const names = (page: Page) => page.items.map((u) => u.username);

describe("GET /v1/search/users", () => {
  it("finds by username prefix and display-name prefix, case-insensitively, in username order", async () => {
    const t = tag();
    const ada = await register(`${t}_ada`, "Ada Lovelace");
    const bob = await register(`${t}_bob`, `${t.toUpperCase()} Builder`);
    await register(`${t}_carl`);
    const q = (s: string) => `q=${encodeURIComponent(s)}`;

    expect(names(await search(ada, q(`${t}_`)))).toEqual([`${t}_ada`, `${t}_bob`, `${t}_carl`]);
    expect(names(await search(ada, q(`${t.toUpperCase()}_B`)))).toEqual([`${t}_bob`]);
    // Display name, any case; the username match and the display-name match of bob are one row.
    expect(names(await search(ada, q(`${t} bu`)))).toEqual([`${t}_bob`]);
    const page = await search(bob, q(`${t}_ad`));
    expect(page.items[0]).toMatchObject({
      id: ada.user.id,
      displayName: "Ada Lovelace",
      avatarUrl: null,
      role: "user",
    });
    expect(JSON.stringify(page)).not.toContain("pbkdf2");
    // A prefix, not a substring.
    expect(names(await search(ada, q(`ada_${t}`)))).toEqual([]);
  });

  it("treats % _ quotes and FTS syntax as plain text", async () => {
    const t = tag();
    const me = await register(`${t}_me`, `${t}%wild "quoted" it's`);
    await register(`${t}x_other`, `${t}x plain`);
    const q = (s: string) => `q=${encodeURIComponent(s)}`;
    // `_` is not a one-character wildcard: `${t}_` does not match `${t}x_other`.
    expect(names(await search(me, q(`${t}_`)))).toEqual([`${t}_me`]);
    expect(names(await search(me, q(`${t}%`)))).toEqual([`${t}_me`]);
    expect(names(await search(me, q(`${t}%wild "quoted" it's`)))).toEqual([`${t}_me`]);
    for (const hostile of ["%", "_", "'", '"', "' OR 1=1 --", "NEAR(a b)", "a* OR b", "\\", "%_%"]) {
      const res = await call(`/v1/search/users?${q(hostile)}`, { token: me.accessToken });
      expect(res.status, hostile).toBe(200);
      const page = await json<Page>(res);
      for (const u of page.items) {
        const fold = (s: string) => s.toLowerCase();
        const matches = fold(u.username).startsWith(fold(hostile)) || fold(u.displayName).startsWith(fold(hostile));
        expect(matches, `${hostile} -> ${u.username} / ${u.displayName}`).toBe(true);
      }
    }
  });

  it("hides suspended users until the suspension is lifted, and users who blocked the caller", async () => {
    const t = tag();
    const me = await register(`${t}_me`);
    const gone = await register(`${t}_gone`);
    const blocker = await register(`${t}_blocker`);
    const blockedByMe = await register(`${t}_mine`);
    const q = `q=${t}_`;
    const admin = await userWithRole("admin");
    const suspend = await call(`/v1/admin/users/${gone.user.id}/suspend`, {
      token: admin.accessToken,
      body: { reason: "spam" },
    });
    expect(suspend.status).toBe(200);
    await call(`/v1/users/${me.user.id}/block`, { method: "POST", token: blocker.accessToken });
    await call(`/v1/users/${blockedByMe.user.id}/block`, { method: "POST", token: me.accessToken });

    // `blocker` blocked me: hidden from me. I blocked `mine`: still shown to me, but I am hidden from them.
    expect(names(await search(me, q))).toEqual([`${t}_me`, `${t}_mine`]);
    expect(names(await search(blockedByMe, q))).toEqual([`${t}_blocker`, `${t}_mine`]);
    // A third party is bound by nobody's blocks.
    expect(names(await search(admin, q))).toEqual([`${t}_blocker`, `${t}_me`, `${t}_mine`]);

    const lift = await call(`/v1/admin/users/${gone.user.id}/suspend`, { method: "DELETE", token: admin.accessToken });
    expect(lift.status).toBe(200);
    expect(names(await search(me, q))).toEqual([`${t}_gone`, `${t}_me`, `${t}_mine`]);
  });

  it("pages with limit and cursor; a cursor of another query is 400 invalid_cursor", async () => {
    const t = tag();
    const me = await register(`${t}_a0`);
    for (let i = 1; i < 5; i++) await register(`${t}_a${i}`);
    const first = await search(me, `q=${t}_a&limit=2`);
    expect(names(first)).toEqual([`${t}_a0`, `${t}_a1`]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await search(me, `q=${t}_a&limit=2&cursor=${first.nextCursor}`);
    expect(names(second)).toEqual([`${t}_a2`, `${t}_a3`]);
    const third = await search(me, `q=${t}_a&limit=2&cursor=${second.nextCursor}`);
    expect(names(third)).toEqual([`${t}_a4`]);
    expect(third.nextCursor).toBeNull();
    await expectProblem(
      await call(`/v1/search/users?q=${t}_b&cursor=${first.nextCursor}`, { token: me.accessToken }),
      400,
      "invalid_cursor",
    );
    await expectProblem(
      await call(`/v1/search/users?q=a&cursor=junk`, { token: me.accessToken }),
      400,
      "invalid_cursor",
    );
  });

  it("is 400 for an empty, blank or over-long q or a bad limit, and 401 without a token", async () => {
    const me = await register(`${tag()}_me`);
    for (const query of ["", "q=", "q=%20%20", `q=${"a".repeat(201)}`, "q=a&limit=0", "q=a&limit=51"]) {
      await expectProblem(await call(`/v1/search/users?${query}`, { token: me.accessToken }), 400, "validation_failed");
    }
    expect((await call(`/v1/search/users?q=${"a".repeat(200)}`, { token: me.accessToken })).status).toBe(200);
    await expectProblem(await call("/v1/search/users?q=ada"), 401, "unauthorized");
  });

  it("is two index range searches, never a scan of users, within D1's bound-parameter limit", async () => {
    for (const after of [undefined, "ada_k"]) {
      const query = peopleQuery(createDb(env.DB), crypto.randomUUID(), "ada", after, 20).toSQL();
      expect(query.params.length).toBeLessThanOrEqual(100);
      const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
        .bind(...query.params)
        .all<{ detail: string }>();
      const steps = plan.results.map((r) => r.detail);
      expect(
        steps.some((d) => /SEARCH users USING INDEX users_username_unique \(username>\? AND username<\?\)/.test(d)),
      ).toBe(true);
      expect(
        steps.some((d) => /SEARCH users USING INDEX users_display_name_lower_idx \(<expr>>\? AND <expr><\?\)/.test(d)),
      ).toBe(true);
      expect(steps.filter((d) => /^SCAN users/.test(d) || /\(username>\?\)$/.test(d))).toEqual([]);
    }
  });
});

// Access matrix of every moderation route: anonymous, a user, a moderator, an admin, and the
// operator token (BACKEND_TOKEN), which is for machines and never grants moderation.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser, type TestUser } from "../support/api";
import { createPost } from "../support/feed";
import { userWithRole } from "../support/moderation";

type Who = "anonymous" | "operator" | "user" | "moderator" | "admin";

interface Case {
  name: string;
  request: (ids: {
    target: string;
    report: () => Promise<string>;
  }) => Promise<{ path: string; method: string; body?: unknown }>;
  expected: Record<Who, number>;
}

const cases: Case[] = [
  {
    name: "set role",
    request: async ({ target }) => ({ path: `/v1/admin/users/${target}/role`, method: "PUT", body: { role: "user" } }),
    expected: { anonymous: 401, operator: 401, user: 403, moderator: 403, admin: 200 },
  },
  {
    name: "list reports",
    request: async () => ({ path: "/v1/admin/reports?status=open", method: "GET" }),
    expected: { anonymous: 401, operator: 401, user: 403, moderator: 200, admin: 200 },
  },
  {
    name: "resolve report",
    request: async ({ report }) => ({
      path: `/v1/admin/reports/${await report()}/resolve`,
      method: "POST",
      body: { action: "dismiss" },
    }),
    expected: { anonymous: 401, operator: 401, user: 403, moderator: 200, admin: 200 },
  },
  {
    name: "suspend",
    request: async ({ target }) => ({
      path: `/v1/admin/users/${target}/suspend`,
      method: "POST",
      body: { reason: "matrix", until: new Date(Date.now() + 60_000).toISOString() },
    }),
    expected: { anonymous: 401, operator: 401, user: 403, moderator: 200, admin: 200 },
  },
  {
    name: "lift suspension",
    request: async ({ target }) => ({ path: `/v1/admin/users/${target}/suspend`, method: "DELETE" }),
    expected: { anonymous: 401, operator: 401, user: 403, moderator: 200, admin: 200 },
  },
  {
    name: "audit log",
    request: async () => ({ path: "/v1/admin/audit", method: "GET" }),
    expected: { anonymous: 401, operator: 401, user: 403, moderator: 403, admin: 200 },
  },
  {
    name: "file a report",
    request: async ({ target }) => ({
      path: "/v1/reports",
      method: "POST",
      body: { target: { kind: "user", id: target }, reason: "spam" },
    }),
    expected: { anonymous: 401, operator: 401, user: 201, moderator: 201, admin: 201 },
  },
];

describe("moderation access matrix", () => {
  it("every route answers each kind of caller as specified", async () => {
    const [user, moderator, admin, reporter] = await Promise.all([
      registerUser("ma"),
      userWithRole("moderator", "ma"),
      userWithRole("admin", "ma"),
      registerUser("ma"),
    ]);
    const tokens: Record<Who, string | undefined> = {
      anonymous: undefined,
      operator: env.BACKEND_TOKEN,
      user: user.accessToken,
      moderator: moderator.accessToken,
      admin: admin.accessToken,
    };
    for (const c of cases) {
      for (const who of Object.keys(tokens) as Who[]) {
        // A fresh target (and report) per call: suspensions and reports must not carry over.
        const target = await registerUser("mt");
        const report = async () => {
          const post = await createPost(target);
          const res = await call("/v1/reports", {
            token: reporter.accessToken,
            body: { target: { kind: "post", id: post.id }, reason: "abuse" },
          });
          expect(res.status).toBe(201);
          return (await json<{ id: string }>(res)).id;
        };
        const req = await c.request({ target: target.user.id, report });
        const res = await call(req.path, { method: req.method, token: tokens[who], body: req.body });
        expect(res.status, `${c.name} as ${who}: ${await res.clone().text()}`).toBe(c.expected[who]);
      }
    }
  });

  it("a moderator cannot suspend another moderator or an admin; an admin can suspend a moderator", async () => {
    const [moderator, otherModerator, admin] = await Promise.all([
      userWithRole("moderator"),
      userWithRole("moderator"),
      userWithRole("admin"),
    ]);
    const suspend = (actor: TestUser, target: TestUser) =>
      call(`/v1/admin/users/${target.user.id}/suspend`, { token: actor.accessToken, body: { reason: "test" } });
    await expectProblem(await suspend(moderator, otherModerator), 403, "forbidden");
    await expectProblem(await suspend(moderator, admin), 403, "forbidden");
    await expectProblem(await suspend(moderator, moderator), 422, "cannot_suspend_self");
    expect((await suspend(admin, otherModerator)).status).toBe(200);
  });
});

describe("site roles", () => {
  it("an admin grants and revokes moderator; the role shows on the user and takes effect at once", async () => {
    const [admin, someone] = await Promise.all([userWithRole("admin"), registerUser("sr")]);
    const reports = () => call("/v1/admin/reports", { token: someone.accessToken });
    await expectProblem(await reports(), 403, "forbidden");

    const grant = await call(`/v1/admin/users/${someone.user.id}/role`, {
      method: "PUT",
      token: admin.accessToken,
      body: { role: "moderator" },
    });
    expect(await json(grant)).toEqual({ id: someone.user.id, role: "moderator" });
    expect((await reports()).status).toBe(200);
    const me = await json<{ role: string }>(await call("/v1/me", { token: someone.accessToken }));
    expect(me.role).toBe("moderator");

    await call(`/v1/admin/users/${someone.user.id}/role`, {
      method: "PUT",
      token: admin.accessToken,
      body: { role: "user" },
    });
    await expectProblem(await reports(), 403, "forbidden");

    const audit = await json<{
      items: { action: string; actorId: string; target: { id: string }; details: unknown }[];
    }>(await call("/v1/admin/audit?limit=100", { token: admin.accessToken }));
    const mine = audit.items.filter((e) => e.target.id === someone.user.id && e.action === "role.set");
    expect(mine.map((e) => e.details)).toEqual([
      { from: "moderator", to: "user" },
      { from: "user", to: "moderator" },
    ]);
    expect(mine.every((e) => e.actorId === admin.user.id)).toBe(true);
  });

  it("refuses bad roles, unknown users and an admin demoting themselves", async () => {
    const admin = await userWithRole("admin");
    const put = (id: string, body: unknown) =>
      call(`/v1/admin/users/${id}/role`, { method: "PUT", token: admin.accessToken, body });
    await expectProblem(await put(admin.user.id, { role: "owner" }), 400, "validation_failed");
    await expectProblem(await put(crypto.randomUUID(), { role: "moderator" }), 404, "not_found");
    await expectProblem(await put(admin.user.id, { role: "user" }), 422, "cannot_demote_self");
    await expectProblem(await put("not-an-id", { role: "user" }), 400, "validation_failed");
  });

  it("a new user is a plain user", async () => {
    const u = await registerUser("sr");
    expect(u.user).toMatchObject({ role: "user" });
  });
});

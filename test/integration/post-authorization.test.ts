// Authorization matrix for every post, feed and media route: anonymous, the author, another user.
import { describe, expect, it } from "vitest";
import { call, json, registerUser, type TestUser } from "../support/api";
import { createPost, PNG_1X1 } from "../support/feed";

type Who = "anonymous" | "author" | "other";

interface Case {
  name: string;
  request: (postId: string) => { path: string; method: string; body?: unknown; headers?: Record<string, string> };
  expected: Record<Who, number>;
}

const cases: Case[] = [
  {
    name: "create post",
    request: () => ({ path: "/v1/posts", method: "POST", body: { content: "hi" } }),
    expected: { anonymous: 401, author: 201, other: 201 },
  },
  {
    name: "read post",
    request: (id) => ({ path: `/v1/posts/${id}`, method: "GET" }),
    expected: { anonymous: 200, author: 200, other: 200 },
  },
  {
    name: "edit post",
    request: (id) => ({ path: `/v1/posts/${id}`, method: "PATCH", body: { content: "edited" } }),
    expected: { anonymous: 401, author: 200, other: 403 },
  },
  {
    name: "like",
    request: (id) => ({ path: `/v1/posts/${id}/like`, method: "POST" }),
    expected: { anonymous: 401, author: 200, other: 200 },
  },
  {
    name: "unlike",
    request: (id) => ({ path: `/v1/posts/${id}/like`, method: "DELETE" }),
    expected: { anonymous: 401, author: 200, other: 200 },
  },
  {
    name: "comment",
    request: (id) => ({ path: `/v1/posts/${id}/comments`, method: "POST", body: { content: "c" } }),
    expected: { anonymous: 401, author: 201, other: 201 },
  },
  {
    name: "list comments",
    request: (id) => ({ path: `/v1/posts/${id}/comments`, method: "GET" }),
    expected: { anonymous: 200, author: 200, other: 200 },
  },
  {
    name: "global feed",
    request: () => ({ path: "/v1/feed", method: "GET" }),
    expected: { anonymous: 200, author: 200, other: 200 },
  },
  {
    name: "following feed",
    request: () => ({ path: "/v1/feed/following", method: "GET" }),
    expected: { anonymous: 401, author: 200, other: 200 },
  },
  {
    name: "hot list",
    request: () => ({ path: "/v1/feed/hot", method: "GET" }),
    expected: { anonymous: 200, author: 200, other: 200 },
  },
  {
    name: "upload media",
    request: () => ({ path: "/v1/media", method: "POST", body: PNG_1X1, headers: { "Content-Type": "image/png" } }),
    expected: { anonymous: 401, author: 201, other: 201 },
  },
  // Last: the post is gone afterwards.
  {
    name: "delete post",
    request: (id) => ({ path: `/v1/posts/${id}`, method: "DELETE" }),
    expected: { anonymous: 401, author: 204, other: 403 },
  },
];

describe("authorization matrix", () => {
  it("every route answers each kind of caller as specified", async () => {
    const [author, other] = await Promise.all([registerUser("az"), registerUser("az")]);
    const post = await createPost(author, "matrix");
    const callers: [Who, TestUser | undefined][] = [
      ["anonymous", undefined],
      ["other", other],
      ["author", author],
    ];
    const seen: string[] = [];
    for (const c of cases) {
      for (const [who, user] of callers) {
        const { path, method, body, headers } = c.request(post.id);
        const res = await call(path, { method, body, headers, token: user?.accessToken });
        seen.push(`${c.name} as ${who}: ${res.status}`);
        expect(res.status, `${c.name} as ${who}: ${await res.clone().text()}`).toBe(c.expected[who]);
      }
    }
    expect(seen).toHaveLength(cases.length * 3);
    // What the others' attempts left: the author's edit stands, and the post is deleted.
    expect((await call(`/v1/posts/${post.id}`)).status).toBe(404);
  });

  it("user posts are public; an invalid token on a public route is still a 401", async () => {
    const u = await registerUser("az");
    await createPost(u, "public");
    expect((await call(`/v1/users/${u.user.id}/posts`)).status).toBe(200);
    expect((await call("/v1/feed", { token: "not-a-token" })).status).toBe(401);
    expect((await call(`/v1/users/${u.user.id}/posts`, { headers: { Authorization: "Basic abc" } })).status).toBe(401);
  });

  it("likedByMe is present only for authenticated callers, and is theirs", async () => {
    const [author, fan] = await Promise.all([registerUser("az"), registerUser("az")]);
    const post = await createPost(author, "like me");
    await call(`/v1/posts/${post.id}/like`, { method: "POST", token: fan.accessToken });
    const anon = await json<{ likedByMe?: boolean }>(await call(`/v1/posts/${post.id}`));
    expect(anon.likedByMe).toBeUndefined();
    expect(
      (await json<{ likedByMe?: boolean }>(await call(`/v1/posts/${post.id}`, { token: fan.accessToken }))).likedByMe,
    ).toBe(true);
    expect(
      (await json<{ likedByMe?: boolean }>(await call(`/v1/posts/${post.id}`, { token: author.accessToken })))
        .likedByMe,
    ).toBe(false);
  });
});

// Feed pages: newest first with opaque cursors (global, following, one user's posts), comments
// oldest first, and bad paging input.
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser, type TestUser } from "../support/api";
import { createPost, type Page, type Post } from "../support/feed";

async function allPages<T extends { id: string }>(path: string, user?: TestUser, limit = 2): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const res = await call(`${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, {
      token: user?.accessToken,
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const page = await json<Page<T>>(res);
    pages.push(page.items);
    cursor = page.nextCursor;
  } while (cursor && pages.length < 50);
  return pages;
}

describe("feeds", () => {
  it("a user's posts page newest first, without gaps or repeats", async () => {
    const u = await registerUser("pg");
    const created: Post[] = [];
    for (let i = 0; i < 5; i++) created.push(await createPost(u, `post ${i}`));
    const pages = await allPages<Post>(`/v1/users/${u.user.id}/posts`);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat().map((p) => p.content)).toEqual(["post 4", "post 3", "post 2", "post 1", "post 0"]);
  });

  it("the global feed is newest first and its cursor continues with older posts", async () => {
    const u = await registerUser("gf");
    const older = await createPost(u, "older");
    const newer = await createPost(u, "newer");
    const first = await json<Page<Post>>(await call("/v1/feed?limit=1"));
    expect(first.items[0]!.id >= newer.id).toBe(true);
    const ids = (await allPages<Post>("/v1/feed", undefined, 50)).flat().map((p) => p.id);
    expect(ids.indexOf(newer.id)).toBeLessThan(ids.indexOf(older.id));
    expect([...ids].sort().reverse()).toEqual(ids);
  });

  it("the following feed holds only followees' posts, with the caller's likedByMe", async () => {
    const [me, friend, stranger] = await Promise.all([registerUser("fo"), registerUser("fo"), registerUser("fo")]);
    await call(`/v1/users/${friend.user.id}/follow`, { method: "POST", token: me.accessToken });
    const theirs = await createPost(friend, "friend's");
    await createPost(stranger, "stranger's");
    await createPost(me, "mine");
    await call(`/v1/posts/${theirs.id}/like`, { method: "POST", token: me.accessToken });
    const feed = (await allPages<Post>("/v1/feed/following", me)).flat();
    expect(feed.map((p) => p.content)).toEqual(["friend's"]);
    expect(feed[0]!.likedByMe).toBe(true);
    expect((await json<Page<Post>>(await call("/v1/feed/following", { token: stranger.accessToken }))).items).toEqual(
      [],
    );
  });

  it("comments page oldest first", async () => {
    const [u, v] = await Promise.all([registerUser("cm"), registerUser("cm")]);
    const post = await createPost(u);
    for (let i = 0; i < 3; i++) {
      const res = await call(`/v1/posts/${post.id}/comments`, {
        token: i % 2 ? u.accessToken : v.accessToken,
        body: { content: `c${i}` },
      });
      expect(res.status).toBe(201);
    }
    const pages = await allPages<{ id: string; content: string; author: { id: string }; postId: string }>(
      `/v1/posts/${post.id}/comments`,
    );
    expect(pages.flat().map((c) => c.content)).toEqual(["c0", "c1", "c2"]);
    expect(pages.flat()[0]).toMatchObject({ postId: post.id, author: { id: v.user.id } });
  });

  it("empty, oversized or malformed comments are 400 and add nothing", async () => {
    const u = await registerUser("cm");
    const post = await createPost(u);
    for (const body of [
      { content: "" },
      { content: "  " },
      { content: "x".repeat(2_001) },
      { text: "hi" },
      { content: 5 },
    ]) {
      await expectProblem(
        await call(`/v1/posts/${post.id}/comments`, { token: u.accessToken, body }),
        400,
        "validation_failed",
      );
    }
    expect((await json<Page<unknown>>(await call(`/v1/posts/${post.id}/comments`))).items).toEqual([]);
  });

  it("bad paging input is a 400 problem", async () => {
    const u = await registerUser("bp");
    const post = await createPost(u);
    const lists = ["/v1/feed", "/v1/feed/following", `/v1/users/${u.user.id}/posts`, `/v1/posts/${post.id}/comments`];
    const feedCursor = (await json<Page<Post>>(await call("/v1/feed?limit=1"))).nextCursor!;
    for (const list of lists) {
      const opts = { token: u.accessToken };
      await expectProblem(await call(`${list}?cursor=not-a-cursor`, opts), 400, "invalid_cursor");
      await expectProblem(await call(`${list}?cursor=${btoa('{"k":"feed","id":"x"}')}`, opts), 400, "invalid_cursor");
      await expectProblem(await call(`${list}?limit=-1`, opts), 400, "validation_failed");
      await expectProblem(await call(`${list}?limit=0`, opts), 400, "validation_failed");
      await expectProblem(await call(`${list}?limit=101`, opts), 400, "validation_failed");
      await expectProblem(await call(`${list}?limit=abc`, opts), 400, "validation_failed");
      if (list !== "/v1/feed")
        await expectProblem(await call(`${list}?cursor=${feedCursor}`, opts), 400, "invalid_cursor");
    }
    await expectProblem(await call(`/v1/users/${crypto.randomUUID()}/posts`), 404, "not_found");
  });
});

describe("OpenAPI document", () => {
  it("documents every feed route", async () => {
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(await call("/openapi.json"));
    const routes = Object.entries(doc.paths).flatMap(([p, m]) =>
      Object.keys(m).map((method) => `${method.toUpperCase()} ${p}`),
    );
    expect(routes).toEqual(
      expect.arrayContaining([
        "POST /v1/posts",
        "GET /v1/posts/{id}",
        "PATCH /v1/posts/{id}",
        "DELETE /v1/posts/{id}",
        "POST /v1/posts/{id}/like",
        "DELETE /v1/posts/{id}/like",
        "POST /v1/posts/{id}/comments",
        "GET /v1/posts/{id}/comments",
        "GET /v1/feed",
        "GET /v1/feed/following",
        "GET /v1/feed/hot",
        "GET /v1/users/{id}/posts",
        "POST /v1/media",
        "GET /media/{key}",
      ]),
    );
  });
});

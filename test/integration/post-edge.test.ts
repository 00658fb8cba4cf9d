// The edge read path (decision 0075): warm reads answered from caches with no D1 query (counted
// by the Worker itself: Plaza-D1-Queries), read-your-writes and monotonic reads through
// Plaza-Bookmark, counters written to KV by the EVENTS consumer, and edits and deletes seen at
// once at the location that made them. "Another isolate" is simulated by forgetting this
// isolate's copies; "another location whose KV copy is stale" by writing an older state to KV.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser, type TestUser } from "../support/api";
import { createPost, freshIsolate, waitFor, type Page, type Post } from "../support/feed";

const queries = (res: Response) => Number(res.headers.get("Plaza-D1-Queries"));

async function read(path: string, user?: TestUser, bookmark?: string) {
  const res = await call(path, { token: user?.accessToken, headers: bookmark ? { "Plaza-Bookmark": bookmark } : {} });
  expect(res.status, await res.clone().text()).toBe(200);
  return { res, queries: queries(res), bookmark: res.headers.get("Plaza-Bookmark") };
}

/** Writes a live state into KV as a location whose copy predates everything would hold it. */
async function staleLiveInKv(postId: string, version: number, likes: number): Promise<void> {
  await env.CACHE.put(
    `live:${postId}`,
    JSON.stringify({
      version,
      deleted: false,
      stats: { likes, comments: 0, views: 0 },
      likesCountedAt: 0,
      asOf: "0-0",
    }),
    { expirationTtl: 60 },
  );
}

describe("warm reads make no D1 query", () => {
  it("GET /v1/posts/:id, anonymous and with a token", async () => {
    const [author, reader] = await Promise.all([registerUser("warm"), registerUser("warm")]);
    const post = await createPost(author, "warm read");
    await freshIsolate();
    const cold = await read(`/v1/posts/${post.id}`);
    expect(cold.queries).toBeGreaterThan(0);
    expect(cold.res.headers.get("X-Cache")).toBe("MISS");
    const warm = await read(`/v1/posts/${post.id}`);
    expect(warm.queries).toBe(0);
    expect(warm.res.headers.get("X-Cache")).toBe("HIT");
    expect(await json<Post>(warm.res)).toMatchObject({ id: post.id, content: "warm read" });

    const firstAsReader = await read(`/v1/posts/${post.id}`, reader);
    expect(firstAsReader.queries).toBe(1); // the caller's own like, once per isolate
    const warmAsReader = await read(`/v1/posts/${post.id}`, reader);
    expect(warmAsReader.queries).toBe(0);
    expect((await json<Post>(warmAsReader.res)).likedByMe).toBe(false);
  });

  it("feed pages: everyone's, one user's, and the following feed", async () => {
    const [author, follower] = await Promise.all([registerUser("wpage"), registerUser("wpage")]);
    await createPost(author, "page post 1");
    await createPost(author, "page post 2");
    const follow = await call(`/v1/users/${author.user.id}/follow`, { method: "POST", token: follower.accessToken });
    expect(follow.status).toBeLessThan(300);
    for (const [path, user] of [
      ["/v1/feed?limit=5", undefined],
      [`/v1/users/${author.user.id}/posts?limit=5`, undefined],
      ["/v1/feed/following?limit=5", follower],
    ] as const) {
      await freshIsolate();
      const cold = await read(path, user);
      expect(cold.queries, path).toBeGreaterThan(0);
      const warm = await read(path, user);
      expect(warm.queries, path).toBe(0);
      const page = await json<Page<Post>>(warm.res);
      expect(page.items.length, path).toBeGreaterThan(0);
      expect(await json<Page<Post>>(cold.res)).toEqual(page);
    }
  });

  it("a page's live counters come from the same cache as the post's", async () => {
    const author = await registerUser("wcount");
    const post = await createPost(author, "counted");
    await read(`/v1/users/${author.user.id}/posts`);
    const single = await read(`/v1/posts/${post.id}`);
    expect(single.queries).toBe(0);
  });
});

describe("read-your-writes and monotonic reads (Plaza-Bookmark)", () => {
  it("every write answers a bookmark; a malformed one is 400 invalid_bookmark", async () => {
    const u = await registerUser("bm");
    const created = await call("/v1/posts", { token: u.accessToken, body: { content: "bm" } });
    expect(created.headers.get("Plaza-Bookmark")).toMatch(/^[0-9a-f-]+$/);
    const { id } = await json<Post>(created);
    const liked = await call(`/v1/posts/${id}/like`, { token: u.accessToken, method: "POST" });
    expect(liked.headers.get("Plaza-Bookmark")! >= created.headers.get("Plaza-Bookmark")!).toBe(true);
    for (const bad of ["nope", "../x", "a".repeat(300), "00-zz"]) {
      await expectProblem(
        await call(`/v1/posts/${id}`, { headers: { "Plaza-Bookmark": bad } }),
        400,
        "invalid_bookmark",
      );
    }
  });

  it("a liker sees their like and its count at once, even where the cached state is older", async () => {
    const [author, liker, other] = await Promise.all([registerUser("ryw"), registerUser("ryw"), registerUser("ryw")]);
    const post = await createPost(author, "like me");
    const like = await call(`/v1/posts/${post.id}/like`, { token: liker.accessToken, method: "POST" });
    const bookmark = like.headers.get("Plaza-Bookmark")!;
    // Another location: no isolate copies, and KV's copy predates the like.
    await freshIsolate();
    await staleLiveInKv(post.id, 1, 0);
    const mine = await read(`/v1/posts/${post.id}`, liker, bookmark);
    expect(mine.queries).toBeGreaterThan(0);
    expect(await json<Post>(mine.res)).toMatchObject({ likedByMe: true, stats: { likes: 1 } });
    expect(mine.bookmark! >= bookmark).toBe(true);
    // Someone without the bookmark may be answered from the older state (within the promised bound).
    const theirs = await read(`/v1/posts/${post.id}`, other);
    expect((await json<Post>(theirs.res)).likedByMe).toBe(false);
    // The liker's next read, with the bookmark it got, is warm again.
    const again = await read(`/v1/posts/${post.id}`, liker, mine.bookmark!);
    expect(again.queries).toBe(0);
    expect(await json<Post>(again.res)).toMatchObject({ likedByMe: true, stats: { likes: 1 } });
  });

  it("the author sees an edit at once anywhere; a client never goes back to an older version", async () => {
    const author = await registerUser("edit");
    const post = await createPost(author, "first text");
    const edit = await call(`/v1/posts/${post.id}`, {
      method: "PATCH",
      token: author.accessToken,
      body: { content: "second text" },
    });
    const bookmark = edit.headers.get("Plaza-Bookmark")!;
    // A location whose KV still holds version 1 (text and live state).
    await freshIsolate();
    await staleLiveInKv(post.id, 1, 0);
    await env.CACHE.put(`post:${post.id}`, JSON.stringify({ ...post, imageKeys: [], version: 1 }), {
      expirationTtl: 60,
    });
    const stale = await read(`/v1/posts/${post.id}`);
    expect((await json<Post>(stale.res)).content).toBe("first text");
    const own = await read(`/v1/posts/${post.id}`, author, bookmark);
    expect((await json<Post>(own.res)).content).toBe("second text");
    // Monotonic: with the bookmark of an answer at version 2, stale copies are never used again.
    await freshIsolate();
    await staleLiveInKv(post.id, 1, 0);
    for (let i = 0; i < 3; i++) {
      const next = await read(`/v1/posts/${post.id}`, undefined, own.bookmark!);
      expect((await json<Post>(next.res)).content).toBe("second text");
    }
  });

  it("the author's new post is on their page at once with the bookmark, even over a cached page", async () => {
    const author = await registerUser("newp");
    await createPost(author, "older");
    await read(`/v1/users/${author.user.id}/posts`); // the page is now cached in this isolate
    const created = await call("/v1/posts", { token: author.accessToken, body: { content: "newest" } });
    const bookmark = created.headers.get("Plaza-Bookmark")!;
    const cached = await read(`/v1/users/${author.user.id}/posts`);
    expect((await json<Page<Post>>(cached.res)).items.map((p) => p.content)).toEqual(["older"]);
    const mine = await read(`/v1/users/${author.user.id}/posts`, author, bookmark);
    expect((await json<Page<Post>>(mine.res)).items.map((p) => p.content)).toEqual(["newest", "older"]);
  });
});

describe("what others see", () => {
  it("edits and deletes are seen at once at the location that made them (a fresh isolate reads KV)", async () => {
    const author = await registerUser("loc");
    const post = await createPost(author, "before");
    await read(`/v1/posts/${post.id}`);
    await call(`/v1/posts/${post.id}`, { method: "PATCH", token: author.accessToken, body: { content: "after" } });
    await waitFor(
      () => env.CACHE.get<{ version: number }>(`live:${post.id}`, "json"),
      (v) => v?.version === 2,
    );
    await freshIsolate();
    const edited = await read(`/v1/posts/${post.id}`);
    expect(edited.queries).toBe(0);
    expect((await json<Post>(edited.res)).content).toBe("after");

    await call(`/v1/posts/${post.id}`, { method: "DELETE", token: author.accessToken });
    expect((await call(`/v1/posts/${post.id}`)).status).toBe(404);
    await waitFor(
      () => env.CACHE.get<{ deleted: boolean }>(`live:${post.id}`, "json"),
      (v) => v?.deleted === true,
    );
    await freshIsolate();
    const gone = await call(`/v1/posts/${post.id}`);
    expect(gone.status).toBe(404);
    expect(queries(gone)).toBe(0);
  });

  it("the EVENTS consumer writes counters to KV; readers see them within POST_LIVE_TTL_MS of the batch", async () => {
    const author = await registerUser("cnt");
    const likers = await Promise.all(Array.from({ length: 4 }, () => registerUser("cnt")));
    const post = await createPost(author, "count me");
    expect((await json<Post>((await read(`/v1/posts/${post.id}`)).res)).stats.likes).toBe(0);
    for (const u of likers) await call(`/v1/posts/${post.id}/like`, { token: u.accessToken, method: "POST" });
    const state = await waitFor(
      () => env.CACHE.get<{ stats: { likes: number }; asOf: string | null }>(`live:${post.id}`, "json"),
      (v) => v?.stats.likes === 4,
    );
    expect(state?.stats.likes).toBe(4);
    expect(state?.asOf).toMatch(/^[0-9a-f-]+$/);
    const seenAt = Date.now();
    const seen = await waitFor(
      async () => (await json<Post>((await read(`/v1/posts/${post.id}`)).res)).stats.likes,
      (n) => n === 4,
      5_000,
    );
    expect(seen).toBe(4);
    expect(Date.now() - seenAt).toBeLessThanOrEqual(
      env.POST_LIVE_TTL_MS ? Number(env.POST_LIVE_TTL_MS) + 1_000 : 3_000,
    );
  });
});

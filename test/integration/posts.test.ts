// Posts: create, read through the KV cache, edit, delete, idempotency, and bad input.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser } from "../support/api";
import { createPost, freshIsolate, getPost, uploadImage, waitFor, type Post } from "../support/feed";

async function postCount(authorId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM posts WHERE author_id = ?")
    .bind(authorId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe("creating posts", () => {
  it("answers 201 with the post: author, images, zero counts, likedByMe", async () => {
    const u = await registerUser("cp");
    const image = await uploadImage(u);
    const post = await createPost(u, "  hello plaza  ", [image]);
    expect(post).toMatchObject({
      content: "hello plaza",
      images: [image],
      author: { id: u.user.id, username: u.user.username },
      stats: { likes: 0, comments: 0, views: 0 },
      likedByMe: false,
    });
    expect(post.createdAt).toBe(post.updatedAt);
    expect((await getPost(post.id)).post).toMatchObject({ id: post.id, content: "hello plaza", images: [image] });
  });

  it("bad input is a 4xx problem and creates nothing", async () => {
    const [u, other] = await Promise.all([registerUser("bad"), registerUser("bad")]);
    const foreignImage = await uploadImage(other);
    const own = await uploadImage(u);
    const cases: [unknown, number, string][] = [
      [{ content: "" }, 400, "validation_failed"],
      [{ content: "   \n " }, 400, "validation_failed"],
      [{ content: "x".repeat(5_001) }, 400, "validation_failed"],
      [{ content: "😀".repeat(5_001) }, 400, "validation_failed"],
      [{}, 400, "validation_failed"],
      [{ content: "hi", extra: 1 }, 400, "validation_failed"],
      [{ content: "hi", images: Array(10).fill(own) }, 400, "validation_failed"],
      [{ content: "hi", images: ["https://evil.example/media/x.png"] }, 400, "validation_failed"],
      [{ content: "hi", images: [`http://plaza.test/media/${crypto.randomUUID()}.png`] }, 422, "unknown_media"],
      [{ content: "hi", images: [foreignImage] }, 422, "unknown_media"],
    ];
    for (const [body, status, code] of cases) {
      await expectProblem(await call("/v1/posts", { token: u.accessToken, body }), status, code);
    }
    expect(await postCount(u.user.id)).toBe(0);
  });

  it("content is counted in characters, not UTF-16 units: 5,000 emoji fit", async () => {
    const u = await registerUser("emoji");
    const post = await createPost(u, "😀".repeat(5_000));
    expect([...post.content]).toHaveLength(5_000);
  });

  it("Idempotency-Key: a retry returns the first post; other users' keys are their own", async () => {
    const [u, v] = await Promise.all([registerUser("idem"), registerUser("idem")]);
    const send = (who: typeof u, content: string) =>
      call("/v1/posts", { token: who.accessToken, body: { content }, headers: { "Idempotency-Key": "retry-1" } });
    const first = await send(u, "first");
    expect(first.status).toBe(201);
    const again = await send(u, "second attempt");
    expect(again.status).toBe(201);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    const [a, b] = [await json<Post>(first), await json<Post>(again)];
    expect(b).toEqual(a);
    const theirs = await json<Post>(await send(v, "v's own"));
    expect(theirs.id).not.toBe(a.id);
    expect(await postCount(u.user.id)).toBe(1);

    // Concurrent retries: still one post.
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        call("/v1/posts", { token: v.accessToken, body: { content: "race" }, headers: { "Idempotency-Key": "race" } }),
      ),
    );
    const ids = new Set(
      await Promise.all(
        results.map(async (r) => {
          expect(r.status).toBe(201);
          return (await json<Post>(r)).id;
        }),
      ),
    );
    expect(ids.size).toBe(1);
    expect(await postCount(v.user.id)).toBe(2);
  });

  it("a malformed Idempotency-Key is 400; a key whose post was deleted is 409", async () => {
    const u = await registerUser("idem");
    await expectProblem(
      await call("/v1/posts", {
        token: u.accessToken,
        body: { content: "x" },
        headers: { "Idempotency-Key": "k".repeat(256) },
      }),
      400,
      "validation_failed",
    );
    const res = await call("/v1/posts", {
      token: u.accessToken,
      body: { content: "x" },
      headers: { "Idempotency-Key": "gone" },
    });
    const post = await json<Post>(res);
    expect((await call(`/v1/posts/${post.id}`, { method: "DELETE", token: u.accessToken })).status).toBe(204);
    await expectProblem(
      await call("/v1/posts", { token: u.accessToken, body: { content: "x" }, headers: { "Idempotency-Key": "gone" } }),
      409,
      "idempotency_key_reused",
    );
  });
});

describe("cache-aside reads (KV in front of D1)", () => {
  it("miss, then hit, then edit, then the next read shows the edit", async () => {
    const u = await registerUser("cache");
    const post = await createPost(u, "version one");
    await freshIsolate(); // the creating isolate holds its own copy
    const first = await getPost(post.id);
    expect(first.res.headers.get("X-Cache")).toBe("MISS");
    expect(first.post.content).toBe("version one");
    // The fill happens after the response (waitUntil).
    await waitFor(
      () => env.CACHE.get(`post:${post.id}`),
      (v) => v !== null,
    );
    const second = await getPost(post.id);
    expect(second.res.headers.get("X-Cache")).toBe("HIT");
    expect(second.post.content).toBe("version one");

    const edited = await call(`/v1/posts/${post.id}`, {
      method: "PATCH",
      token: u.accessToken,
      body: { content: "version two" },
    });
    expect(edited.status).toBe(200);
    expect((await json<Post>(edited)).content).toBe("version two");
    // The edit leaves the new version in this isolate and in KV (decision 0075).
    const third = await getPost(post.id);
    expect(third.post.content).toBe("version two");
    expect(third.res.headers.get("X-Cache")).toBe("HIT");
    await waitFor(
      () => env.CACHE.get<{ version: number }>(`post:${post.id}`, "json"),
      (v) => v?.version === 2,
    );
    await freshIsolate();
    const fourth = await getPost(post.id);
    expect(fourth.res.headers.get("X-Cache")).toBe("HIT");
    expect(fourth.post.content).toBe("version two");
  });

  it("a stale entry written after the edit (a racing reader's fill) is never served", async () => {
    const u = await registerUser("race");
    const post = await createPost(u, "old text");
    await getPost(post.id);
    const stale = await waitFor(
      () => env.CACHE.get(`post:${post.id}`),
      (v) => v !== null,
    );
    await call(`/v1/posts/${post.id}`, { method: "PATCH", token: u.accessToken, body: { content: "new text" } });
    // The racing reader read D1 before the edit and writes its copy back after the eviction.
    await env.CACHE.put(`post:${post.id}`, stale!);
    for (let i = 0; i < 3; i++) expect((await getPost(post.id)).post.content).toBe("new text");
  });

  it("posts of hot authors are in KV as soon as they are created", async () => {
    const u = await registerUser("star");
    await env.DB.prepare("UPDATE users SET followers = 1000 WHERE id = ?").bind(u.user.id).run();
    const post = await createPost(u, "for my many fans");
    await waitFor(
      () => env.CACHE.get(`post:${post.id}`),
      (v) => v !== null,
    );
    const read = await getPost(post.id);
    expect(read.res.headers.get("X-Cache")).toBe("HIT");
    expect(read.post.content).toBe("for my many fans");
  });

  it("reads are counted as views: tallied per isolate, sent as a few events, counted exactly", async () => {
    const u = await registerUser("views");
    const post = await createPost(u);
    for (let i = 0; i < 10; i++) await getPost(post.id);
    const counted = await waitFor(
      () => env.DB.prepare("SELECT views FROM post_stats WHERE post_id = ?").bind(post.id).first<{ views: number }>(),
      (row) => row?.views === 10,
    );
    expect(counted?.views).toBe(10);
    const events = await env.DB.prepare("SELECT COUNT(*) AS n FROM processed_events WHERE post_id = ?")
      .bind(post.id)
      .first<{ n: number }>();
    expect(events!.n).toBeGreaterThan(0);
    expect(events!.n).toBeLessThanOrEqual(3); // one per VIEW_TALLY_MS window, not one per read
  });

  it("a normal author's new post is not cached until read", async () => {
    const u = await registerUser("quiet");
    const post = await createPost(u, "hello");
    expect(await env.CACHE.get(`post:${post.id}`)).toBeNull();
    await freshIsolate(); // another isolate: the creating one holds its own copy
    expect((await getPost(post.id)).res.headers.get("X-Cache")).toBe("MISS");
  });
});

describe("editing and deleting", () => {
  it("PATCH replaces images and content independently; empty patches are 400", async () => {
    const u = await registerUser("edit");
    const [a, b] = [await uploadImage(u), await uploadImage(u)];
    const post = await createPost(u, "text", [a]);
    const withImages = await json<Post>(
      await call(`/v1/posts/${post.id}`, { method: "PATCH", token: u.accessToken, body: { images: [b, a] } }),
    );
    expect(withImages).toMatchObject({ content: "text", images: [b, a] });
    expect(Date.parse(withImages.updatedAt)).toBeGreaterThanOrEqual(Date.parse(post.updatedAt));
    const cleared = await json<Post>(
      await call(`/v1/posts/${post.id}`, { method: "PATCH", token: u.accessToken, body: { images: [] } }),
    );
    expect(cleared.images).toEqual([]);
    await expectProblem(
      await call(`/v1/posts/${post.id}`, { method: "PATCH", token: u.accessToken, body: {} }),
      400,
      "validation_failed",
    );
    await expectProblem(
      await call(`/v1/posts/${post.id}`, { method: "PATCH", token: u.accessToken, body: { content: "" } }),
      400,
      "validation_failed",
    );
    expect((await getPost(post.id)).post.content).toBe("text");
  });

  it("a deleted post is 404 everywhere, and its cache entry is dropped", async () => {
    const [u, v] = await Promise.all([registerUser("del"), registerUser("del")]);
    const post = await createPost(u, "short-lived");
    await getPost(post.id);
    await waitFor(
      () => env.CACHE.get(`post:${post.id}`),
      (x) => x !== null,
    );
    expect((await call(`/v1/posts/${post.id}`, { method: "DELETE", token: u.accessToken })).status).toBe(204);

    await expectProblem(await call(`/v1/posts/${post.id}`), 404, "not_found");
    await expectProblem(await call(`/v1/posts/${post.id}`, { token: v.accessToken }), 404, "not_found");
    await expectProblem(
      await call(`/v1/posts/${post.id}/like`, { method: "POST", token: v.accessToken }),
      404,
      "not_found",
    );
    await expectProblem(
      await call(`/v1/posts/${post.id}/like`, { method: "DELETE", token: v.accessToken }),
      404,
      "not_found",
    );
    await expectProblem(
      await call(`/v1/posts/${post.id}/comments`, { token: v.accessToken, body: { content: "hi" } }),
      404,
      "not_found",
    );
    await expectProblem(await call(`/v1/posts/${post.id}/comments`), 404, "not_found");
    await expectProblem(
      await call(`/v1/posts/${post.id}`, { method: "PATCH", token: u.accessToken, body: { content: "x" } }),
      404,
      "not_found",
    );
    await expectProblem(
      await call(`/v1/posts/${post.id}`, { method: "DELETE", token: u.accessToken }),
      404,
      "not_found",
    );
    const mine = await json<{ items: Post[] }>(await call(`/v1/users/${u.user.id}/posts`));
    expect(mine.items.map((p) => p.id)).not.toContain(post.id);
    await waitFor(
      () => env.CACHE.get(`post:${post.id}`),
      (x) => x === null,
    );
    const likes = await env.DB.prepare("SELECT COUNT(*) AS n FROM likes WHERE post_id = ?")
      .bind(post.id)
      .first<{ n: number }>();
    expect(likes?.n).toBe(0);
  });

  it("a missing post is 404 for every post route", async () => {
    const u = await registerUser("miss");
    const id = crypto.randomUUID();
    await expectProblem(await call(`/v1/posts/${id}`), 404, "not_found");
    await expectProblem(
      await call(`/v1/posts/${id}`, { method: "PATCH", token: u.accessToken, body: { content: "x" } }),
      404,
      "not_found",
    );
    await expectProblem(await call(`/v1/posts/${id}`, { method: "DELETE", token: u.accessToken }), 404, "not_found");
    await expectProblem(await call(`/v1/posts/${id}/like`, { method: "POST", token: u.accessToken }), 404, "not_found");
    await expectProblem(
      await call(`/v1/posts/${id}/comments`, { token: u.accessToken, body: { content: "x" } }),
      404,
      "not_found",
    );
    await expectProblem(await call(`/v1/posts/not-a-uuid`), 400, "validation_failed");
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM likes WHERE post_id = ?")
      .bind(id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });
});

// Hashtags and search: #tags indexed with the post (edits re-index, deletes drop out),
// trending tags, and FTS5 search with snippets that never finds a deleted post.
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser } from "../support/api";
import { createPost, type Page, type Post } from "../support/feed";

interface SearchResult {
  items: { post: Post; snippet: { text: string; match: boolean }[] }[];
  nextCursor: string | null;
}

const unique = () => `z${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;

async function get<T>(path: string): Promise<T> {
  const res = await call(path);
  expect(res.status, await res.clone().text()).toBe(200);
  return json<T>(res);
}

describe("hashtags", () => {
  it("a post's #tags list it under each tag (any case); edits re-index; deletes drop out", async () => {
    const u = await registerUser("tag");
    const [a, b] = [unique(), unique()];
    const first = await createPost(u, `launch day #${a} and #${b.toUpperCase()}!`);
    const second = await createPost(u, `more #${a}`);
    await createPost(u, `not tagged: ${a} #${a}x`);
    const byA = await get<Page<Post>>(`/v1/tags/${a.toUpperCase()}/posts`);
    expect(byA.items.map((p) => p.id)).toEqual([second.id, first.id]);
    expect((await get<Page<Post>>(`/v1/tags/${b}/posts`)).items.map((p) => p.id)).toEqual([first.id]);

    const edit = await call(`/v1/posts/${first.id}`, {
      method: "PATCH",
      token: u.accessToken,
      body: { content: `now only #${b}` },
    });
    const bookmark = edit.headers.get("Plaza-Bookmark")!;
    const afterEdit = await call(`/v1/tags/${a}/posts`, { headers: { "Plaza-Bookmark": bookmark } });
    expect((await json<Page<Post>>(afterEdit)).items.map((p) => p.id)).toEqual([second.id]);

    const del = await call(`/v1/posts/${second.id}`, { method: "DELETE", token: u.accessToken });
    const afterDelete = await call(`/v1/tags/${a}/posts`, {
      headers: { "Plaza-Bookmark": del.headers.get("Plaza-Bookmark")! },
    });
    expect((await json<Page<Post>>(afterDelete)).items).toEqual([]);
  });

  it("trending tags rank recent use; bad tags are 400", async () => {
    const u = await registerUser("trend");
    const hot = unique();
    for (let i = 0; i < 3; i++) await createPost(u, `#${hot} number ${i}`);
    const trending = await get<{ items: { tag: string; posts: number; score: number }[]; refreshedAt: string }>(
      "/v1/tags/trending",
    );
    expect(Date.parse(trending.refreshedAt)).toBeGreaterThan(0);
    // The list is scored at most every few minutes; a fresh tag may not be in it yet, but any
    // entry is well-formed and the list is ordered.
    for (let i = 1; i < trending.items.length; i++) {
      expect(trending.items[i - 1]!.score).toBeGreaterThanOrEqual(trending.items[i]!.score);
    }
    const { refreshTrendingTags } = await import("../../src/services/tags");
    const { createDb } = await import("../../src/db/client");
    const { env } = await import("cloudflare:workers");
    const fresh = await refreshTrendingTags(createDb(env.DB), env.CACHE, Date.now());
    expect(fresh.items.find((t) => t.tag === hot)).toMatchObject({ posts: 3 });
    for (const bad of ["a-b", "x".repeat(51), "%20"]) {
      await expectProblem(await call(`/v1/tags/${bad}/posts`), 400, "validation_failed");
    }
  });
});

describe("search", () => {
  it("finds posts by their words (the last as a prefix) with a snippet; never a deleted post", async () => {
    const u = await registerUser("find");
    const word = unique();
    const a = await createPost(u, `The quick ${word} jumps over the lazy dog`);
    const b = await createPost(u, `Another ${word} sighting, far from any dog`);
    const both = await get<SearchResult>(`/v1/search/posts?q=${word}`);
    expect(new Set(both.items.map((i) => i.post.id))).toEqual(new Set([a.id, b.id]));
    const hitA = both.items.find((i) => i.post.id === a.id)!;
    expect(hitA.snippet.filter((p) => p.match).map((p) => p.text.toLowerCase())).toContain(word);
    expect(hitA.snippet.map((p) => p.text).join("")).toContain("jumps over");

    expect((await get<SearchResult>(`/v1/search/posts?q=${word}+lazy`)).items.map((i) => i.post.id)).toEqual([a.id]);
    expect((await get<SearchResult>(`/v1/search/posts?q=${word.slice(0, 8)}`)).items.length).toBeGreaterThanOrEqual(2);

    await call(`/v1/posts/${a.id}`, { method: "DELETE", token: u.accessToken });
    expect((await get<SearchResult>(`/v1/search/posts?q=${word}`)).items.map((i) => i.post.id)).toEqual([b.id]);
    await call(`/v1/posts/${b.id}`, { method: "PATCH", token: u.accessToken, body: { content: "nothing to see" } });
    expect((await get<SearchResult>(`/v1/search/posts?q=${word}`)).items).toEqual([]);
  });

  it("pages with a cursor; FTS syntax in the query is just text; empty queries are 400", async () => {
    const u = await registerUser("fpage");
    const word = unique();
    for (let i = 0; i < 3; i++) await createPost(u, `${word} page ${i}`);
    const first = await get<SearchResult>(`/v1/search/posts?q=${word}&limit=2`);
    expect(first.items).toHaveLength(2);
    const rest = await get<SearchResult>(`/v1/search/posts?q=${word}&limit=2&cursor=${first.nextCursor}`);
    expect(rest.items).toHaveLength(1);
    expect(rest.nextCursor).toBeNull();
    for (const q of ['"unbalanced', "NEAR(a b)", "a OR", "*", "col:thing", "^x", "(((", "AND"]) {
      const res = await call(`/v1/search/posts?q=${encodeURIComponent(q)}`);
      expect([200, 400], q).toContain(res.status);
    }
    for (const q of ["", "   ", "!!!", "x".repeat(201)]) {
      await expectProblem(await call(`/v1/search/posts?q=${encodeURIComponent(q)}`), 400, "validation_failed");
    }
    await expectProblem(await call(`/v1/search/posts?q=${word}&cursor=nope`), 400, "invalid_cursor");
  });
});

// The isolate's copies of post cache entries: bounded, least recently used out first, and
// expiring with the KV entry's TTL.
import { describe, expect, it } from "vitest";
import { forgetPost, recallPost, rememberPost } from "../../src/services/post-cache";
import type { StaticPost } from "../../src/services/post-query";

const post = (id: string, version = 1): StaticPost => ({
  id,
  author: { id: "u1", username: "ann", displayName: "Ann" },
  content: `post ${id}`,
  imageKeys: [],
  createdAt: "2026-11-22T00:00:00.000Z",
  updatedAt: "2026-11-22T00:00:00.000Z",
  version,
});

describe("isolate copies of cached posts", () => {
  it("keeps at most maxEntries, dropping the least recently used", () => {
    const [a, b, c] = [post(crypto.randomUUID()), post(crypto.randomUUID()), post(crypto.randomUUID())];
    rememberPost(a, 300, 2);
    rememberPost(b, 300, 2);
    expect(recallPost(a.id)).toEqual(a); // a is now the most recently used
    rememberPost(c, 300, 2);
    expect(recallPost(b.id)).toBeUndefined();
    expect(recallPost(a.id)).toEqual(a);
    expect(recallPost(c.id)).toEqual(c);
  });

  it("a copy expires with the KV TTL (at least 60 s)", () => {
    const p = post(crypto.randomUUID());
    rememberPost(p, 10, 10);
    expect(recallPost(p.id, Date.now() + 59_000)).toEqual(p);
    expect(recallPost(p.id, Date.now() + 61_000)).toBeUndefined();
    expect(recallPost(p.id)).toBeUndefined(); // gone, not just hidden
  });

  it("a newer version replaces the copy; forgetting or maxEntries 0 keeps none", () => {
    const id = crypto.randomUUID();
    rememberPost(post(id, 1), 300, 10);
    rememberPost(post(id, 2), 300, 10);
    expect(recallPost(id)?.version).toBe(2);
    forgetPost(id);
    expect(recallPost(id)).toBeUndefined();
    rememberPost(post(id, 3), 300, 0);
    expect(recallPost(id)).toBeUndefined();
  });
});

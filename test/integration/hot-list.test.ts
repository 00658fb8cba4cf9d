// The hot list: cron scoring on a crafted data set with known ages, serving from KV with live
// counters, dropping cold posts from the cache, and the feed retention sweep.
import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { hotScore } from "../../src/lib/hot-score";
import { call, json, registerUser } from "../support/api";
import { createPost, uploadImage, type Post } from "../support/feed";

const HOUR = 3_600_000;

interface Crafted {
  name: string;
  ageHours: number;
  likes: number;
  comments: number;
  views: number;
  deleted?: boolean;
}

/** Inserts posts straight into D1 with the given ages and counters; returns name -> id. */
async function craft(authorId: string, now: number, posts: Crafted[]): Promise<Map<string, string>> {
  const ids = new Map(posts.map((p) => [p.name, crypto.randomUUID()]));
  await env.DB.batch(
    posts.flatMap((p) => {
      const id = ids.get(p.name)!;
      const created = now - p.ageHours * HOUR;
      return [
        env.DB.prepare(
          "INSERT INTO posts (id, author_id, content, created_at, updated_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?)",
        ).bind(id, authorId, p.name, created, created, p.deleted ? now : null),
        env.DB.prepare("INSERT INTO post_stats (post_id, likes, comments, views) VALUES (?, ?, ?, ?)").bind(
          id,
          p.likes,
          p.comments,
          p.views,
        ),
      ];
    }),
  );
  return ids;
}

async function runCron(now: number) {
  await worker.scheduled(
    createScheduledController({ cron: "*/5 * * * *", scheduledTime: now }),
    env,
    createExecutionContext(),
  );
}

async function hotList(token?: string) {
  const res = await call("/v1/feed/hot", { token });
  expect(res.status).toBe(200);
  return json<{ items: Post[]; refreshedAt: string }>(res);
}

describe("hot list", () => {
  it("orders recent posts by time-decayed engagement; old, deleted and unengaged posts stay out", async () => {
    const author = await registerUser("hot");
    const now = Date.now();
    // Large counts keep these above anything other tests leave in the shared database.
    const data: Crafted[] = [
      { name: "fresh-liked", ageHours: 1, likes: 10_000, comments: 0, views: 0 },
      { name: "older-popular", ageHours: 10, likes: 100_000, comments: 0, views: 0 },
      { name: "day-old-discussed", ageHours: 30, likes: 100_000, comments: 50_000, views: 0 },
      { name: "brand-new-viewed", ageHours: 0, likes: 0, comments: 0, views: 20_000 },
      { name: "outside-window", ageHours: 200, likes: 10_000_000, comments: 0, views: 0 },
      { name: "deleted", ageHours: 1, likes: 10_000_000, comments: 0, views: 0, deleted: true },
      { name: "no-engagement", ageHours: 0, likes: 0, comments: 0, views: 0 },
    ];
    const ids = await craft(author.user.id, now, data);
    await runCron(now);
    const list = await hotList();
    expect(list.refreshedAt).toBe(new Date(now).toISOString());
    const names = list.items.filter((p) => p.author.id === author.user.id).map((p) => p.content);
    expect(names).toEqual(["fresh-liked", "older-popular", "brand-new-viewed", "day-old-discussed"]);
    // The same order the documented formula gives.
    const expected = data
      .filter((d) => d.ageHours < 168 && !d.deleted && d.likes + d.comments + d.views > 0)
      .sort((a, b) => hotScore(b, b.ageHours * HOUR) - hotScore(a, a.ageHours * HOUR))
      .map((d) => d.name);
    expect(names).toEqual(expected);
    // Hot posts are warmed into the cache for the next reads.
    expect(await env.CACHE.get(`post:${ids.get("fresh-liked")}`)).not.toBeNull();
  });

  it("serves live counters, hides posts deleted since the refresh and shows edits at once", async () => {
    const author = await registerUser("hot");
    const now = Date.now();
    const ids = await craft(author.user.id, now, [
      { name: "stays", ageHours: 0.5, likes: 50_000, comments: 0, views: 0 },
      { name: "will-be-deleted", ageHours: 0.5, likes: 40_000, comments: 0, views: 0 },
      { name: "will-be-edited", ageHours: 0.5, likes: 30_000, comments: 0, views: 0 },
    ]);
    await runCron(now);
    await env.DB.prepare("UPDATE post_stats SET likes = 50001 WHERE post_id = ?").bind(ids.get("stays")).run();
    await env.DB.prepare("UPDATE posts SET deleted_at = ?, version = version + 1 WHERE id = ?")
      .bind(Date.now(), ids.get("will-be-deleted"))
      .run();
    await env.DB.prepare("UPDATE posts SET content = 'edited', version = version + 1 WHERE id = ?")
      .bind(ids.get("will-be-edited"))
      .run();
    const mine = (await hotList(author.accessToken)).items.filter((p) => p.author.id === author.user.id);
    expect(mine.map((p) => p.content)).toEqual(["stays", "edited"]);
    expect(mine[0]).toMatchObject({ stats: { likes: 50_001 }, likedByMe: false });
  });

  it("drops the cache entries of posts that went cold", async () => {
    const author = await registerUser("cold");
    const now = Date.now();
    const ids = await craft(author.user.id, now, [
      { name: "flash", ageHours: 0, likes: 1_000_000, comments: 0, views: 0 },
    ]);
    const id = ids.get("flash")!;
    await runCron(now);
    expect(await env.CACHE.get(`post:${id}`)).not.toBeNull();
    await env.DB.prepare("UPDATE post_stats SET likes = 0 WHERE post_id = ?").bind(id).run();
    await runCron(now + 1);
    expect(await env.CACHE.get(`post:${id}`)).toBeNull();
    expect((await hotList()).items.map((p) => p.id)).not.toContain(id);
  });
});

describe("feed retention sweep", () => {
  it("forgets old processed event ids and purges long-deleted posts with their rows and images", async () => {
    const u = await registerUser("ret");
    const now = Date.now();
    const day = 86_400_000;
    const image = await uploadImage(u);
    const key = new URL(image).pathname.slice("/media/".length);
    const [old, recent] = [await createPost(u, "old", [image]), await createPost(u, "recent")];
    await call(`/v1/posts/${old.id}/like`, { method: "POST", token: u.accessToken });
    await call(`/v1/posts/${old.id}/comments`, { token: u.accessToken, body: { content: "c" } });
    await env.DB.batch([
      env.DB.prepare("UPDATE posts SET deleted_at = ? WHERE id = ?").bind(now - 8 * day, old.id),
      env.DB.prepare("UPDATE posts SET deleted_at = ? WHERE id = ?").bind(now - day, recent.id),
      env.DB.prepare(
        "INSERT INTO processed_events (event_id, post_id, batch_id, processed_at) VALUES (?, ?, 'b', ?), (?, ?, 'b', ?)",
      ).bind(`old-${old.id}`, old.id, now - 8 * day, `new-${old.id}`, old.id, now - 1_000),
    ]);
    await runCron(now);
    const count = async (sql: string, ...args: string[]) =>
      (
        await env.DB.prepare(sql)
          .bind(...args)
          .first<{ n: number }>()
      )?.n;
    expect(await count("SELECT COUNT(*) AS n FROM posts WHERE id = ?", old.id)).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM likes WHERE post_id = ?", old.id)).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM comments WHERE post_id = ?", old.id)).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM post_images WHERE post_id = ?", old.id)).toBe(0);
    expect(await env.MEDIA.head(key)).toBeNull();
    expect(await count("SELECT COUNT(*) AS n FROM posts WHERE id = ?", recent.id)).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM processed_events WHERE event_id = ?", `old-${old.id}`)).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM processed_events WHERE event_id = ?", `new-${old.id}`)).toBe(1);
  });
});

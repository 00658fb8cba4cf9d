// Bench-only feed routes (BENCH_ROUTES = "on"; never in production), used by bench/feed.ts
// to time the hot-list refresh on a large data set without 100,000 HTTP requests:
//
// POST /__bench/feed/seed     {authorId, count, windowHours}  bulk-inserts posts with random
//                             ages and counters, in SQL (recursive CTE), chunked
// POST /__bench/feed/refresh  runs the hot-list refresh once and reports its timing
// POST /__bench/feed/cleanup  {authorId} hard-deletes that author's posts, then refreshes
import { z } from "zod";
import { loadConfig } from "../config";
import { createDb } from "../db/client";
import { refreshHotList } from "../services/hot-list";

const SeedSchema = z.object({
  authorId: z.uuid(),
  count: z.number().int().min(1).max(200_000),
  windowHours: z.number().positive().max(2_160),
});
const CleanupSchema = z.object({ authorId: z.uuid() });

/** Rows per INSERT statement: keeps each statement well under D1's per-query time limit. */
const SEED_CHUNK = 20_000;
const DELETE_CHUNK = 10_000;

const json = (body: unknown, status = 200) => Response.json(body, { status });

async function seed(env: Env, body: unknown): Promise<Response> {
  const input = SeedSchema.safeParse(body);
  if (!input.success) return json({ error: input.error.message }, 400);
  const { authorId, count, windowHours } = input.data;
  const now = Date.now();
  const started = Date.now();
  for (let done = 0; done < count; done += SEED_CHUNK) {
    const n = Math.min(SEED_CHUNK, count - done);
    await env.DB.prepare(
      `WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < ?1)
       INSERT INTO posts (id, author_id, content, created_at, updated_at)
       SELECT lower(printf('%s-%s-7%s-8%s-%s', hex(randomblob(4)), hex(randomblob(2)), substr(hex(randomblob(2)), 2),
                            substr(hex(randomblob(2)), 2), hex(randomblob(6)))),
              ?2, 'bench post ' || (?3 + i), ?4 - abs(random()) % ?5, ?4
       FROM seq`,
    )
      .bind(n, authorId, done, now, Math.round(windowHours * 3_600_000))
      .run();
  }
  await env.DB.prepare(
    `INSERT OR IGNORE INTO post_stats (post_id, likes, comments, views)
     SELECT id, abs(random()) % 200, abs(random()) % 40, abs(random()) % 5000 FROM posts WHERE author_id = ?1`,
  )
    .bind(authorId)
    .run();
  return json({ inserted: count, seedMs: Date.now() - started });
}

async function refresh(env: Env): Promise<Response> {
  const config = loadConfig(env);
  const started = Date.now();
  const result = await refreshHotList(createDb(env.DB), env.CACHE, config.feed, Date.now());
  // Workers advance the clock only across I/O, so this is wall time: D1 queries plus the
  // scoring done between them (see bench/feed.ts for the CPU-only figure).
  return json({ wallMs: Date.now() - started, scanned: result.scanned, hot: result.list.items.length });
}

async function cleanup(env: Env, body: unknown): Promise<Response> {
  const input = CleanupSchema.safeParse(body);
  if (!input.success) return json({ error: input.error.message }, 400);
  const remaining = () =>
    env.DB.prepare("SELECT COUNT(*) AS n FROM posts WHERE author_id = ?1")
      .bind(input.data.authorId)
      .first<{ n: number }>();
  const before = (await remaining())?.n ?? 0;
  // meta.changes counts cascaded rows too, so the loop stops on what is left, not on it.
  while (((await remaining())?.n ?? 0) > 0) {
    await env.DB.prepare("DELETE FROM posts WHERE rowid IN (SELECT rowid FROM posts WHERE author_id = ?1 LIMIT ?2)")
      .bind(input.data.authorId, DELETE_CHUNK)
      .run();
  }
  await refreshHotList(createDb(env.DB), env.CACHE, loadConfig(env).feed, Date.now());
  return json({ deleted: before });
}

/** Handles POST /__bench/feed/*; the caller has checked that bench routes are on. */
export async function benchFeedRoute(request: Request, env: Env, pathname: string): Promise<Response> {
  if (request.method !== "POST") return json({ error: "POST only" }, 405);
  const body: unknown = await request.json().catch(() => undefined);
  switch (pathname) {
    case "/__bench/feed/seed":
      return seed(env, body);
    case "/__bench/feed/refresh":
      return refresh(env);
    case "/__bench/feed/cleanup":
      return cleanup(env, body);
    default:
      return json({ error: "no such bench route" }, 404);
  }
}

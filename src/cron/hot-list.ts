// Rebuilds the hot list in KV and drops cache entries of posts that went cold.
import type { FeedConfig } from "../config";
import type { Db } from "../db/client";
import { refreshHotList } from "../services/hot-list";

export async function sweepHotList(db: Db, cache: KVNamespace, config: FeedConfig, now: number) {
  const started = Date.now();
  const { list, scanned, evicted } = await refreshHotList(db, cache, config, now);
  return {
    scannedPosts: scanned,
    hotPosts: list.items.length,
    evictedColdPosts: evicted,
    durationMs: Date.now() - started,
  };
}

// A post's live state (version, deleted, counters) and each caller's own like, cached so a warm
// read touches no database (docs/decisions/0075-edge-read-path.md):
// - each isolate keeps copies, trusted for POST_LIVE_TTL_MS (shared state) or 60 s (a caller's
//   own like, which only the caller's writes change: they update this isolate's copy at once and
//   return a bookmark that makes every other isolate read through);
// - KV holds `live:<id>`, written by the EVENTS consumer after each batch it applies, by edits
//   and deletes, and by reads that went to D1; it expires after 60 s (KV's minimum), which bounds
//   how long a lost race between two writers of the entry can show an older version;
// - every copy carries the bookmark it was read at: a request whose bookmark is newer skips it.
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { statement } from "../db/statements";
import { coversBookmark } from "../lib/bookmark";
import { authorVisibleSql } from "./moderation/visibility";
import type { SharedLive, ViewerLike } from "./post-query";

/** A post's shared live state as cached. A missing (purged or never written) post is deleted, version 0. */
export interface CachedLive extends SharedLive {
  deleted: boolean;
  /** The D1 bookmark this state was read at (null: unknown, older than any). */
  asOf: string | null;
}

/** The caller's like as cached; `changedAt` is when this isolate saw the caller unlike (for the count correction). */
export interface CachedViewerLike extends ViewerLike {
  asOf: string | null;
  changedAt?: number;
}

/** How long an isolate trusts a caller's own like without a newer bookmark. */
export const VIEWER_LIKE_TTL_MS = 60_000;
/** TTL of `live:<id>` in KV (KV's minimum). */
export const LIVE_KV_TTL_SECONDS = 60;

const liveKey = (postId: string) => `live:${postId}`;

/** A small least-recently-used map of entries stamped with when they were stored. */
class IsolateCopies<V> {
  private readonly entries = new Map<string, { value: V; storedAt: number }>();

  get(key: string): { value: V; storedAt: number } | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  set(key: string, value: V, storedAt: number, maxEntries: number): void {
    this.entries.delete(key);
    if (maxEntries === 0) return;
    this.entries.set(key, { value, storedAt });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= maxEntries) break;
      this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

const liveCopies = new IsolateCopies<CachedLive>();
const likeCopies = new IsolateCopies<CachedViewerLike>();

/** This isolate's copy of a post's live state if trusted now: younger than `ttlMs` and as new as `wanted`. */
export function recallLive(postId: string, ttlMs: number, wanted: string | undefined, now = Date.now()) {
  const entry = liveCopies.get(postId);
  if (!entry || now - entry.storedAt >= ttlMs || !coversBookmark(entry.value.asOf, wanted)) return undefined;
  return entry.value;
}

/** Keeps `state` as this isolate's copy (never replacing a newer one; a refresh re-stamps it). */
export function rememberLive(postId: string, state: CachedLive, maxEntries: number, now = Date.now()): CachedLive {
  const held = liveCopies.get(postId)?.value;
  const heldIsNewer = held?.asOf != null && (state.asOf === null || held.asOf > state.asOf);
  const kept = held && heldIsNewer ? held : state;
  liveCopies.set(postId, kept, now, maxEntries);
  return kept;
}

/** The caller's like of a post from this isolate, if trusted now. */
export function recallViewerLike(viewerId: string, postId: string, wanted: string | undefined, now = Date.now()) {
  const entry = likeCopies.get(`${viewerId}:${postId}`);
  if (!entry || now - entry.storedAt >= VIEWER_LIKE_TTL_MS || !coversBookmark(entry.value.asOf, wanted)) {
    return undefined;
  }
  return entry.value;
}

/** Keeps the caller's like of a post in this isolate. */
export function rememberViewerLike(
  viewerId: string,
  postId: string,
  like: CachedViewerLike,
  maxEntries: number,
  now = Date.now(),
): void {
  likeCopies.set(`${viewerId}:${postId}`, like, now, maxEntries * 10);
}

/** Forgets every copy this isolate holds (tests: a fresh isolate at the same location). */
export function forgetIsolateLiveCopies(): void {
  liveCopies.clear();
  likeCopies.clear();
}

/** `live:<id>` from KV for each id (absent when missing or unreadable: a broken cache is a miss). */
export async function readLiveFromKv(kv: KVNamespace, ids: readonly string[]): Promise<Map<string, CachedLive>> {
  const out = new Map<string, CachedLive>();
  await Promise.all(
    ids.map(async (id) => {
      try {
        const state = await kv.get<CachedLive>(liveKey(id), "json");
        if (state) out.set(id, state);
      } catch {
        // A miss.
      }
    }),
  );
  return out;
}

/** Writes `live:<id>` for each state (failures are the caller's to log; a missing entry is a miss). */
export async function publishLive(kv: KVNamespace, states: ReadonlyMap<string, CachedLive>): Promise<void> {
  await Promise.all(
    [...states].map(([id, state]) =>
      kv.put(liveKey(id), JSON.stringify(state), { expirationTtl: LIVE_KV_TTL_SECONDS }),
    ),
  );
}

/**
 * Drops the cached live states of `ids` (this isolate's copies and KV's), so the next read of
 * each goes to D1: used when something outside the post changes whether it shows (its author's
 * suspension). Other isolates' copies last POST_LIVE_TTL_MS at most.
 */
export async function dropLive(kv: KVNamespace, ids: readonly string[]): Promise<void> {
  for (const id of ids) liveCopies.delete(id);
  await Promise.all(ids.map((id) => kv.delete(liveKey(id))));
}

/** One statement reading the shared live state of `ids` (deleted ones too); one bound parameter. */
export function liveRowsStatement(db: Db, ids: readonly string[]): D1PreparedStatement {
  // A suspended author's post counts as deleted while the suspension lasts (decision 0072).
  return statement(
    db,
    sql`SELECT p.id AS id, p.version AS version, (p.deleted_at IS NOT NULL OR NOT ${authorVisibleSql}) AS deleted,
      s.likes AS likes, s.comments AS comments, s.views AS views, s.likes_counted_at AS likes_counted_at
      FROM posts p JOIN post_stats s ON s.post_id = p.id JOIN users ON users.id = p.author_id
      WHERE p.id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`,
  );
}

interface LiveRow {
  id: string;
  version: number;
  deleted: number;
  likes: number;
  comments: number;
  views: number;
  likes_counted_at: number;
}

/** The states of a liveRowsStatement result, stamped with `asOf`; ids without a row are deleted (version 0). */
export function liveStatesOf(
  ids: readonly string[],
  result: D1Result | undefined,
  asOf: string | null,
): Map<string, CachedLive> {
  const out = new Map<string, CachedLive>();
  for (const id of ids) out.set(id, tombstone(asOf));
  for (const row of (result?.results ?? []) as LiveRow[]) {
    out.set(row.id, {
      version: row.version,
      deleted: row.deleted === 1,
      stats: { likes: row.likes, comments: row.comments, views: row.views },
      likesCountedAt: row.likes_counted_at,
      asOf,
    });
  }
  return out;
}

/** The state of a post that is gone. */
export function tombstone(asOf: string | null, version = 0): CachedLive {
  return { version, deleted: true, stats: { likes: 0, comments: 0, views: 0 }, likesCountedAt: 0, asOf };
}

/**
 * The like count the caller sees: the shared count with the caller's own change in it when the
 * last recount did not include it yet (decision 0011's rule, applied to whichever state is served).
 */
export function likesSeenBy(state: SharedLive, like: CachedViewerLike | undefined): number {
  if (!like || like.likedAt === null) return state.stats.likes;
  if (like.liked) return state.stats.likes + (like.likedAt > state.likesCountedAt ? 1 : 0);
  const pendingUnlike =
    like.changedAt !== undefined && like.likedAt <= state.likesCountedAt && state.likesCountedAt < like.changedAt;
  return Math.max(0, state.stats.likes - (pendingUnlike ? 1 : 0));
}

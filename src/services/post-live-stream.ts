// GET /v1/feed/live: a Server-Sent Events stream of the counters of the posts a client shows
// (at most 50). Each second the stream looks at the posts' live states through the same caches
// as reads (this isolate's copy, refreshed from KV every POST_LIVE_TTL_MS; D1 only when KV has
// none) and sends `{type:"post", id, stats}` for each post whose counters changed: at most one
// update per post per second, and every stream in an isolate shares one cache (decision 0076).
import type { FeedContext } from "./feed-context";
import {
  liveRowsStatement,
  liveStatesOf,
  readLiveFromKv,
  recallLive,
  rememberLive,
  type CachedLive,
} from "./post-live";

export const MAX_WATCHED_POSTS = 50;
/** Updates are looked for this often (the coalescing window). */
export const LIVE_TICK_MS = 1_000;
/** A comment line this often keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;

export interface LiveFrame {
  type: "post";
  id: string;
  stats: { likes: number; comments: number; views: number };
}

/** The current live state of each of `ids` (deleted and unknown ones are deleted). */
export async function currentLiveStates(f: FeedContext, ids: readonly string[]): Promise<Map<string, CachedLive>> {
  const { liveTtlMs, isolateCacheEntries: max } = f.config;
  const now = Date.now();
  const out = new Map<string, CachedLive>();
  for (const id of ids) {
    const state = recallLive(id, liveTtlMs, undefined, now);
    if (state) out.set(id, state);
  }
  const fromKv = ids.filter((id) => !out.has(id));
  if (fromKv.length === 0) return out;
  const states = await readLiveFromKv(f.cache, fromKv);
  for (const [id, state] of states) out.set(id, rememberLive(id, state, max, now));
  const fromDb = fromKv.filter((id) => !states.has(id));
  if (fromDb.length > 0) {
    const [result] = await f.db.$client.batch([liveRowsStatement(f.db, fromDb)]);
    for (const [id, state] of liveStatesOf(fromDb, result, f.bookmark()))
      out.set(id, rememberLive(id, state, max, now));
  }
  return out;
}

const sameStats = (a: LiveFrame["stats"] | undefined, b: LiveFrame["stats"]) =>
  a !== undefined && a.likes === b.likes && a.comments === b.comments && a.views === b.views;

/**
 * The event stream for `ids`: the current counters at once, then each change, until the
 * client goes away, `signal` aborts, or `maxMs` passes (EventSource clients reconnect).
 */
export function liveStream(
  f: FeedContext,
  ids: readonly string[],
  signal: AbortSignal,
  maxMs: number,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const sent = new Map<string, LiveFrame["stats"]>();
  const started = Date.now();
  let lastWrite = started;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const stop = () => {
        closed = true;
        clearTimeout(timer);
        try {
          controller.close();
        } catch {
          // Already closed or cancelled.
        }
      };
      signal.addEventListener("abort", stop, { once: true });
      const tick = async () => {
        if (closed || signal.aborted) return;
        try {
          const states = await currentLiveStates(f, ids);
          let out = "";
          for (const id of ids) {
            const state = states.get(id);
            if (!state || state.deleted || sameStats(sent.get(id), state.stats)) continue;
            sent.set(id, state.stats);
            out += `data: ${JSON.stringify({ type: "post", id, stats: state.stats } satisfies LiveFrame)}\n\n`;
          }
          const now = Date.now();
          if (out === "" && now - lastWrite >= HEARTBEAT_MS) out = ": ping\n\n";
          if (out !== "") {
            controller.enqueue(encoder.encode(out));
            lastWrite = now;
          }
          if (now - started >= maxMs) return stop();
        } catch (err) {
          if (closed) return;
          f.log.warn("live counts tick failed", { error: String(err) });
        }
        if (!closed) timer = setTimeout(tick, LIVE_TICK_MS);
      };
      controller.enqueue(encoder.encode(`retry: ${LIVE_TICK_MS * 2}\n\n`));
      void tick();
    },
    cancel() {
      closed = true;
      clearTimeout(timer);
    },
  });
}

// Live counts of the posts an app shows: GET /v1/feed/live (Server-Sent Events, decision 0076)
// read with fetch (works in browsers and Node alike). `watch(ids)` sets the posts (at most 50;
// a new set reopens the stream); `stats` fires with each change. The stream ends every few
// minutes by design and on network failures; the watcher reopens it after a short pause.
import type { components } from "./api.gen";
import { Emitter } from "./emitter";

export type PostStats = components["schemas"]["PostStats"];

type WatchHandlers = {
  /** A watched post's counters (the current ones when the stream opens, then each change). */
  stats: (postId: string, stats: PostStats) => void;
};

export const MAX_WATCHED_POSTS = 50;
const REOPEN_AFTER_MS = 2_000;

export class PostWatcher extends Emitter<WatchHandlers> {
  private ids: string[] = [];
  private abort: AbortController | null = null;
  private reopenTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(
    private readonly baseUrl: string,
    private readonly fetchFn: (request: Request) => Promise<Response>,
  ) {
    super();
  }

  /** Watches these posts (the first 50 distinct ids) instead of the previous ones. */
  watch(ids: readonly string[]): void {
    const next = [...new Set(ids)].slice(0, MAX_WATCHED_POSTS);
    if (next.length === this.ids.length && next.every((id, i) => id === this.ids[i])) return;
    this.ids = next;
    this.restart();
  }

  /** Stops watching for good. */
  close(): void {
    this.closed = true;
    this.stop();
  }

  private stop(): void {
    if (this.reopenTimer !== null) clearTimeout(this.reopenTimer);
    this.reopenTimer = null;
    this.abort?.abort();
    this.abort = null;
  }

  private restart(): void {
    this.stop();
    if (this.closed || this.ids.length === 0) return;
    const abort = new AbortController();
    this.abort = abort;
    void this.read(abort).finally(() => {
      if (this.abort !== abort || this.closed) return;
      this.reopenTimer = setTimeout(() => this.restart(), REOPEN_AFTER_MS);
    });
  }

  private async read(abort: AbortController): Promise<void> {
    const url = `${this.baseUrl}/v1/feed/live?ids=${this.ids.join(",")}`;
    try {
      const res = await this.fetchFn(
        new Request(url, { signal: abort.signal, headers: { Accept: "text/event-stream" } }),
      );
      if (!res.ok || !res.body) return;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          this.dispatch(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
        }
      }
    } catch {
      // Aborted or the network failed: reopened by restart() unless closed.
    }
  }

  private dispatch(event: string): void {
    for (const line of event.split("\n")) {
      if (!line.startsWith("data: ")) continue;
      const frame = JSON.parse(line.slice(6)) as { type?: string; id?: string; stats?: PostStats };
      if (frame.type === "post" && frame.id && frame.stats) this.emit("stats", frame.id, frame.stats);
    }
  }
}

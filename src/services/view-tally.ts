// Views are the feed's most frequent write: every GET /v1/posts/:id counts one. Instead of one
// EVENTS message per read, each isolate tallies views per post and sends one `post.viewed`
// event per post carrying its count, once per VIEW_TALLY_MS window, or at once when a full
// batch of posts (100, one sendBatch) is waiting. The window's flush runs in the waitUntil
// of the request that opened it, so the runtime keeps the isolate alive until it is sent;
// a failed send puts the counts back for the next window (docs/decisions/0015).
import { postEvent } from "./post-events";

/** Most messages in one Queue sendBatch. */
const BATCH = 100;

export class ViewTally {
  private counts = new Map<string, number>();
  private window: Promise<void> | undefined;

  /**
   * Counts a view of `postId`. Returns the work that sends it (for the caller's waitUntil),
   * or undefined when an open window will send it.
   */
  add(queue: Queue, postId: string, windowMs: number): Promise<void> | undefined {
    this.counts.set(postId, (this.counts.get(postId) ?? 0) + 1);
    if (windowMs === 0 || this.counts.size >= BATCH) return this.flush(queue);
    if (this.window) return undefined;
    this.window = new Promise<void>((resolve) => setTimeout(resolve, windowMs))
      .then(() => this.flush(queue))
      .finally(() => {
        this.window = undefined;
      });
    return this.window;
  }

  /** Sends every tallied view now; on failure the unsent counts wait for the next window. */
  async flush(queue: Queue): Promise<void> {
    const taken = [...this.counts];
    this.counts = new Map();
    for (let i = 0; i < taken.length; i += BATCH) {
      const part = taken.slice(i, i + BATCH);
      try {
        await queue.sendBatch(
          part.map(([postId, count]) => ({
            body: postEvent("post.viewed", { postId, count }),
            contentType: "json" as const,
          })),
        );
      } catch (err) {
        for (const [postId, count] of taken.slice(i)) this.counts.set(postId, (this.counts.get(postId) ?? 0) + count);
        throw err;
      }
    }
  }
}

/** This isolate's tally. */
export const viewTally = new ViewTally();

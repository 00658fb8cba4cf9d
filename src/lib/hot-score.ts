// Hot-list scoring, in the spirit of Hacker News' gravity formula:
//
//   score = (W_LIKE·likes + W_COMMENT·comments + W_VIEW·views) / (ageHours + AGE_OFFSET_HOURS) ^ GRAVITY
//
// Engagement grows a post's score linearly; age divides it polynomially, so a fresh post
// with a little engagement overtakes an old one with a lot. Pure: no I/O.

/** Weights of each interaction: a comment costs more effort than a like; ten views are worth one like. */
export const HOT_WEIGHTS = { like: 1, comment: 2, view: 0.1 } as const;
/** How fast age pulls a post down (HN uses 1.8). */
export const GRAVITY = 1.8;
/** Keeps brand-new posts from dividing by ~0 (HN uses 2 hours). */
export const AGE_OFFSET_HOURS = 2;

export interface Engagement {
  likes: number;
  comments: number;
  views: number;
}

/** The hot score of a post with `engagement`, `ageMs` old (negative ages count as 0). */
export function hotScore(engagement: Engagement, ageMs: number): number {
  const points =
    HOT_WEIGHTS.like * engagement.likes +
    HOT_WEIGHTS.comment * engagement.comments +
    HOT_WEIGHTS.view * engagement.views;
  const ageHours = Math.max(0, ageMs) / 3_600_000;
  return points / (ageHours + AGE_OFFSET_HOURS) ** GRAVITY;
}

/** An item with a score; ties go to the larger id (UUIDv7: the newer post). */
export interface Scored {
  id: string;
  score: number;
}

const before = (a: Scored, b: Scored) => a.score < b.score || (a.score === b.score && a.id < b.id);

/**
 * Keeps the `k` highest-scored items seen so far in a min-heap: O(n log k) time and O(k)
 * memory however many items are offered, so scoring 100,000 posts holds only `k`.
 */
export class TopK<T extends Scored> {
  private readonly heap: T[] = [];
  private readonly k: number;

  constructor(k: number) {
    this.k = k;
  }

  /** Offers an item; it is kept if it is among the top `k` so far. */
  offer(item: T): void {
    const heap = this.heap;
    if (heap.length < this.k) {
      heap.push(item);
      this.siftUp(heap.length - 1);
    } else if (this.k > 0 && before(heap[0]!, item)) {
      heap[0] = item;
      this.siftDown(0);
    }
  }

  /** The kept items, highest score first. */
  sorted(): T[] {
    return [...this.heap].sort((a, b) => (before(a, b) ? 1 : before(b, a) ? -1 : 0));
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) return;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && before(heap[left]!, heap[least]!)) least = left;
      if (right < heap.length && before(heap[right]!, heap[least]!)) least = right;
      if (least === i) return;
      [heap[i], heap[least]] = [heap[least]!, heap[i]!];
      i = least;
    }
  }
}

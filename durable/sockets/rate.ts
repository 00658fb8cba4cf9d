// Flood control for socket frames and sends: a token bucket, and a set of buckets keyed by
// whatever the object limits (a socket, or a user so that reconnecting does not refill it).

/** What the object does with a frame after the bucket has counted it. */
export type RateVerdict = "allow" | "reject" | "close";

/** A frame size cap and a token bucket's shape; each socket-holding object reads its own from config. */
export interface SocketLimits {
  /** A larger frame closes the socket with 1009. */
  maxFrameBytes: number;
  /** Sustained frames per second. */
  ratePerSecond: number;
  /** Frames at once before the rate applies; owing a second burst closes the socket (4029). */
  burst: number;
}

/**
 * A token bucket: `burst` frames at once, `ratePerSecond` sustained. A frame over the limit
 * is rejected (the client gets an error frame); a sender that keeps going while limited,
 * until it owes a second burst, is closed.
 */
export class SendBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  /** Counts one frame at time `now`. */
  take(now: number): RateVerdict {
    this.refill(now);
    this.tokens -= 1;
    if (this.tokens >= 0) return "allow";
    return this.tokens < -this.burst ? "close" : "reject";
  }

  /** Whole seconds until the next frame would be allowed (at least 1 while limited). */
  retryAfterSeconds(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) return 0;
    return Math.max(1, Math.ceil((1 - this.tokens) / this.ratePerSecond));
  }

  /** True once the bucket is full again: it can be forgotten without changing any verdict. */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.ratePerSecond);
    this.updatedAt = now;
  }
}

/** Past this many keys the full buckets are dropped (bounded memory in a huge room). */
const SWEEP_AT = 10_000;

/**
 * One bucket per key. Kept in memory only: after hibernation the buckets start full again,
 * which is harmless because a hibernated object received nothing for a while.
 */
export class Budgets<K extends WeakKey | string> {
  private readonly byKey = new Map<K, SendBucket>();

  constructor(private readonly limits: Pick<SocketLimits, "ratePerSecond" | "burst">) {}

  /** The bucket of `key`, made full on first use. */
  of(key: K, now: number): SendBucket {
    let bucket = this.byKey.get(key);
    if (!bucket) {
      if (this.byKey.size >= SWEEP_AT) this.sweep(now);
      bucket = new SendBucket(this.limits.ratePerSecond, this.limits.burst, now);
      this.byKey.set(key, bucket);
    }
    return bucket;
  }

  /** Forgets `key` once its bucket is full again; a key with a debt is kept so that it cannot reset it. */
  forget(key: K, now: number): void {
    if (this.byKey.get(key)?.isFull(now)) this.byKey.delete(key);
  }

  /** Forgets `key` whatever it owes (a socket that closed takes its bucket with it). */
  drop(key: K): void {
    this.byKey.delete(key);
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.byKey) if (bucket.isFull(now)) this.byKey.delete(key);
  }
}

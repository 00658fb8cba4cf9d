// Per-socket and per-user flood control for a room: a token bucket for frames and a throttle
// for typing notices. Kept in memory only: after hibernation a bucket starts full again,
// which is harmless because a hibernated room received nothing for a while.

/** What the room does with a frame after the bucket has counted it. */
export type RateVerdict = "allow" | "reject" | "close";

/**
 * A token bucket: `burst` frames at once, `ratePerSecond` sustained. A frame over the limit
 * is rejected (the client gets an error frame); a socket that keeps sending while limited,
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
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.ratePerSecond);
    this.updatedAt = now;
    this.tokens -= 1;
    if (this.tokens >= 0) return "allow";
    return this.tokens < -this.burst ? "close" : "reject";
  }
}

/** At most one typing notice per user per `intervalMs`. */
export class TypingThrottle {
  private readonly last = new Map<string, number>();

  constructor(private readonly intervalMs: number) {}

  /** True when `userId`'s typing notice at `now` should be broadcast. */
  allow(userId: string, now: number): boolean {
    const previous = this.last.get(userId);
    if (previous !== undefined && now - previous < this.intervalMs) return false;
    this.last.set(userId, now);
    if (this.last.size > 10_000) this.last.clear(); // bounded memory in huge rooms
    return true;
  }
}

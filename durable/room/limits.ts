// Typing notices in a room: at most one per user per interval. (Frame and send budgets are
// the shared durable/sockets/rate.ts.)

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

// Reconnect delays: exponential with jitter, so that a restarted server is not hit by every
// client in the same instant, and a flapping one is not hammered.

export interface BackoffOptions {
  /** The delay ceiling of the first retry (ms). */
  baseMs: number;
  /** The largest delay (ms). */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 15_000 };

/**
 * The wait before connection attempt `attempt` (0: the first connection, no wait). Retry n
 * waits between half and all of min(maxMs, baseMs * 2^(n-1)) ("equal jitter"): spread out,
 * yet never close to zero after repeated failures.
 */
export function reconnectDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  if (attempt <= 0) return 0;
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

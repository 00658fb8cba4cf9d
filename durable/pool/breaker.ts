// A per-backend circuit breaker (seed 004): closed -> open after N consecutive failures,
// open -> half-open after a cooldown (one probe job), half-open -> closed on success or
// back to open on failure. Pure functions over a small record, so they are unit-tested alone.
import type { BreakerState } from "../../src/protocol/tasks";

export interface Breaker {
  state: BreakerState;
  consecutiveFailures: number;
  /** When the breaker last opened (ms), or null. */
  openedAt: number | null;
}

export interface BreakerSettings {
  failureThreshold: number;
  cooldownMs: number;
}

export const closedBreaker = (): Breaker => ({ state: "closed", consecutiveFailures: 0, openedAt: null });

/**
 * Whether a job may be sent now, and whether it would be the half-open probe.
 * `probeInFlight` says a probe is already out (then nothing else may go).
 */
export function admits(
  b: Breaker,
  s: BreakerSettings,
  now: number,
  probeInFlight: boolean,
): { ok: boolean; probe: boolean } {
  if (b.state === "closed") return { ok: true, probe: false };
  if (probeInFlight) return { ok: false, probe: false };
  if (b.state === "half-open") return { ok: true, probe: true };
  const cooled = b.openedAt !== null && now - b.openedAt >= s.cooldownMs;
  return cooled ? { ok: true, probe: true } : { ok: false, probe: false };
}

/** The breaker once a probe has been sent. */
export function probing(b: Breaker): Breaker {
  return { ...b, state: "half-open" };
}

/** The breaker after a job's outcome; `neutral` (cancel, bad input) says nothing about the backend. */
export function afterOutcome(
  b: Breaker,
  s: BreakerSettings,
  outcome: "success" | "failure" | "neutral",
  wasProbe: boolean,
  now: number,
): Breaker {
  if (outcome === "success") return closedBreaker();
  if (outcome === "neutral") {
    // A probe that ended without a verdict leaves the breaker open, ready for the next probe.
    return wasProbe ? { ...b, state: "open" } : b;
  }
  const consecutiveFailures = b.consecutiveFailures + 1;
  if (wasProbe || b.state !== "closed" || consecutiveFailures >= s.failureThreshold) {
    return { state: "open", consecutiveFailures, openedAt: now };
  }
  return { ...b, consecutiveFailures };
}

// Choosing a backend for a job: capable, enabled, not known-unhealthy, below capacity and
// admitted by its breaker; the session's warm backend while it is below the load threshold,
// else least in-flight first (ties: most free slots, then id).
import type { BackendProtocol, BackendSpec, BackendView } from "../../src/protocol/tasks";
import { admits, type Breaker, type BreakerSettings } from "./breaker";

/** What the pool keeps per backend. */
export interface PoolEntry {
  spec: BackendSpec;
  source: BackendView["source"];
  enabled: boolean;
  healthy: boolean | null;
  lastHealthAt: number | null;
  breaker: Breaker;
  served: BackendView["served"];
  /** Absent on entries stored before session affinity. */
  affinity?: BackendView["affinity"];
}

export interface Candidate {
  entry: PoolEntry;
  probe: boolean;
}

/** The session's warm backend and how loaded (percent of capacity) it may be to still get the job. */
export interface Preference {
  backendId: string;
  maxLoadPercent: number;
}

/**
 * The session's preferred backend if it may take the job and is below `maxLoadPercent` of its
 * capacity (then it is a hit), else the best backend by `pickBackend`.
 */
export function pickWithPreference(
  entries: Map<string, PoolEntry>,
  want: { capability: string; protocol: BackendProtocol },
  preference: Preference | undefined,
  inFlight: (id: string) => number,
  probeInFlight: (id: string) => boolean,
  breaker: BreakerSettings,
  now: number,
): (Candidate & { hit: boolean }) | undefined {
  const warm = preference && entries.get(preference.backendId);
  if (warm) {
    const only = pickBackend([warm], want, inFlight, probeInFlight, breaker, now);
    if (only && inFlight(warm.spec.id) < (warm.spec.capacity * preference.maxLoadPercent) / 100) {
      return { ...only, hit: true };
    }
  }
  const best = pickBackend(entries.values(), want, inFlight, probeInFlight, breaker, now);
  return best && { ...best, hit: false };
}

/** The best backend for `capability` over `protocol`, or undefined when none may take a job now. */
export function pickBackend(
  entries: Iterable<PoolEntry>,
  want: { capability: string; protocol: BackendProtocol },
  inFlight: (id: string) => number,
  probeInFlight: (id: string) => boolean,
  breaker: BreakerSettings,
  now: number,
): Candidate | undefined {
  let best: Candidate | undefined;
  let bestLoad = Infinity;
  let bestFree = -Infinity;
  for (const entry of entries) {
    const { spec } = entry;
    if (!entry.enabled || entry.healthy === false) continue;
    if (spec.protocol !== want.protocol || !spec.capabilities.includes(want.capability)) continue;
    const load = inFlight(spec.id);
    if (load >= spec.capacity) continue;
    const gate = admits(entry.breaker, breaker, now, probeInFlight(spec.id));
    if (!gate.ok) continue;
    const free = spec.capacity - load;
    const better =
      load < bestLoad ||
      (load === bestLoad && (free > bestFree || (free === bestFree && spec.id < (best?.entry.spec.id ?? ""))));
    if (better) {
      best = { entry, probe: gate.probe };
      bestLoad = load;
      bestFree = free;
    }
  }
  return best;
}

/** True when some enabled backend could ever take this kind of job (capacity and breakers aside). */
export function anyCapable(
  entries: Iterable<PoolEntry>,
  want: { capability: string; protocol: BackendProtocol },
): boolean {
  for (const e of entries) {
    if (e.enabled && e.spec.protocol === want.protocol && e.spec.capabilities.includes(want.capability)) return true;
  }
  return false;
}

// The revocation reason a suspension writes on a session (D1 and the KV deny-list), and its reading.

const PREFIX = "suspended:";

/** The reason string for sessions revoked by a suspension ending at `until` (null: until lifted). */
export function suspensionReason(until: Date | null): string {
  return `${PREFIX}${until ? until.toISOString() : ""}`;
}

/** The suspension a revocation reason records, or undefined for any other reason. */
export function suspensionFromDenial(reason: string): { until: string | null } | undefined {
  if (!reason.startsWith(PREFIX)) return undefined;
  const until = reason.slice(PREFIX.length);
  return { until: until === "" ? null : until };
}

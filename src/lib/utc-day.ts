// The UTC day a usage count belongs to, and when it ends (daily budgets reset then).
/** The UTC day of `now` (YYYY-MM-DD) and when it ends. */
export function utcDay(now: number): { day: string; resetAt: number } {
  const d = new Date(now);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return { day: new Date(start).toISOString().slice(0, 10), resetAt: start + 86_400_000 };
}

// The measured service rate of each capability: an exponentially weighted mean of how long a
// slot stays taken (grant to release of a job that succeeded). With the number of slots it
// gives a waiting task's ETA; there is none until a job of that capability has finished.

const WEIGHT = 0.2;

export class ServiceRates {
  private readonly meanMs = new Map<string, number>();
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS service_rates (capability TEXT PRIMARY KEY, mean_ms REAL NOT NULL)");
    for (const row of sql.exec<{ capability: string; mean_ms: number }>(
      "SELECT capability, mean_ms FROM service_rates",
    )) {
      this.meanMs.set(row.capability, row.mean_ms);
    }
  }

  /** Records one finished job that held its slot for `durationMs`. */
  record(capability: string, durationMs: number): void {
    const d = Math.max(1, durationMs);
    const prev = this.meanMs.get(capability);
    const mean = prev === undefined ? d : prev + WEIGHT * (d - prev);
    this.meanMs.set(capability, mean);
    this.sql.exec("INSERT OR REPLACE INTO service_rates (capability, mean_ms) VALUES (?, ?)", capability, mean);
  }

  /**
   * Expected wait before the task at 1-based `position` starts, with `slots` slots serving its
   * capability: a slot frees every mean/slots ms. Undefined until there is a measurement.
   */
  etaMs(capability: string, position: number, slots: number): number | undefined {
    const mean = this.meanMs.get(capability);
    if (mean === undefined || slots <= 0) return undefined;
    return Math.round((position * mean) / slots);
  }
}

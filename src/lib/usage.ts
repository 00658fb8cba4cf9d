// Billable units counted where they are spent: Durable Object SQLite rows (summed by
// durable/sql-meter.ts from each cursor's rowsRead/rowsWritten), D1 rows (from result meta),
// Durable Object RPCs and queue messages sent on the message path. Counters live in the
// isolate; locally every object, consumer and the Worker share one, so a benchmark reads the
// totals before and after a run (GET /__bench/usage) and divides by the messages it sent.
// Counting is a few additions: no await, no I/O.

/** What Cloudflare bills per operation, as Plaza counts it. */
export interface Usage {
  doRowsRead: number;
  doRowsWritten: number;
  d1RowsRead: number;
  d1RowsWritten: number;
  doRpcs: number;
  queueMessages: number;
}

const totals: Usage = { doRowsRead: 0, doRowsWritten: 0, d1RowsRead: 0, d1RowsWritten: 0, doRpcs: 0, queueMessages: 0 };

/** Adds to one counter. */
export function countUsage(unit: keyof Usage, by = 1): void {
  totals[unit] += by;
}

/** Adds a D1 result's rows read and written (meta is absent on some local results). */
export function countD1(meta: { rows_read?: number; rows_written?: number } | undefined): void {
  if (!meta) return;
  totals.d1RowsRead += meta.rows_read ?? 0;
  totals.d1RowsWritten += meta.rows_written ?? 0;
}

/** A copy of the totals since this isolate started. */
export function usageSnapshot(): Usage {
  return { ...totals };
}

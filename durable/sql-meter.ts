// The objects' SQL with its billable rows counted: every statement runs to completion here
// (Plaza's statements are bounded), and its cursor's rowsRead/rowsWritten join the isolate's
// usage totals (src/lib/usage.ts). The stores call this instead of `storage.sql` directly.
import { countUsage } from "../src/lib/usage";

/** A finished statement: its rows, and the rows SQLite read and wrote for it. */
export interface SqlResult<T> {
  readonly rowsRead: number;
  readonly rowsWritten: number;
  toArray(): T[];
  /** The one row; throws if there is not exactly one. */
  one(): T;
}

export class MeteredSql {
  constructor(private readonly sql: SqlStorage) {}

  exec<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): SqlResult<T> {
    const cursor = this.sql.exec<T>(query, ...bindings);
    const rows = cursor.toArray();
    countUsage("doRowsRead", cursor.rowsRead);
    countUsage("doRowsWritten", cursor.rowsWritten);
    return {
      rowsRead: cursor.rowsRead,
      rowsWritten: cursor.rowsWritten,
      toArray: () => rows,
      one: () => {
        if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`);
        return rows[0]!;
      },
    };
  }
}

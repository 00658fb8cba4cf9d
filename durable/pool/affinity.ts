// Session affinity: the backend that served the last task of a (user, sessionKey), so the next
// one goes where its prefix/KV cache is warm (docs/decisions/0079). Bounded: the least recently
// used sessions are forgotten first. Persisted in the pool's SQLite.

const MAX_SESSIONS = 20_000;

export class Affinity {
  /** Insertion order is recency order (a touched key is re-inserted). */
  private readonly last = new Map<string, string>();
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec(
      "CREATE TABLE IF NOT EXISTS affinity (key TEXT PRIMARY KEY, backend_id TEXT NOT NULL, at INTEGER NOT NULL)",
    );
    for (const row of sql.exec<{ key: string; backend_id: string }>(
      "SELECT key, backend_id FROM affinity ORDER BY at",
    )) {
      this.last.set(row.key, row.backend_id);
    }
  }

  /** The backend that served this session last, if any. */
  backendOf(key: string): string | undefined {
    return this.last.get(key);
  }

  /** Remembers that `backendId` now serves the session. */
  remember(key: string, backendId: string, now: number): void {
    this.last.delete(key);
    this.last.set(key, backendId);
    this.sql.exec("INSERT OR REPLACE INTO affinity (key, backend_id, at) VALUES (?, ?, ?)", key, backendId, now);
    if (this.last.size > MAX_SESSIONS) {
      const oldest = this.last.keys().next().value;
      if (oldest !== undefined) {
        this.last.delete(oldest);
        this.sql.exec("DELETE FROM affinity WHERE key = ?", oldest);
      }
    }
  }
}

/** The affinity key of a task: sessions are per user, so two users never share one. */
export const sessionOf = (userId: string, sessionKey: string) => `${userId}\u0000${sessionKey}`;

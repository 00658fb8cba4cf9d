// Raw statements for D1 batches. drizzle 0.45's batch() cannot run `db.run(sql`...`)` with
// bound parameters (its raw query has no prepared statement), so a batch that needs SQL the
// builders cannot express (INSERT ... SELECT ... WHERE EXISTS, json_each) is prepared on the
// D1 binding directly. Rows come back with their SQL column names.
import type { SQL } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import type { Db } from "./client";

const dialect = new SQLiteAsyncDialect();

/** A D1 prepared statement for a drizzle `sql` template. */
export function statement(db: Db, query: SQL): D1PreparedStatement {
  const { sql, params } = dialect.sqlToQuery(query);
  return db.$client.prepare(sql).bind(...params);
}

/** Runs statements as one D1 batch: one transaction, all or nothing. */
export function runBatch(db: Db, statements: D1PreparedStatement[]): Promise<D1Result[]> {
  return db.$client.batch(statements);
}

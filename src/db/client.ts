// The typed database client, one per D1 binding. Building it walks the whole schema's
// relations (about a tenth of a millisecond), so it is built once per binding object and
// reused by every request of the isolate that passes the same binding; a different binding
// object (another env, as in tests) gets its own client. The client holds no request state.
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

const build = (d1: D1Database) => drizzle(d1, { schema });

export type Db = ReturnType<typeof build>;

const clients = new WeakMap<D1Database, Db>();

/** The typed database client for `d1` (built on first use). */
export function createDb(d1: D1Database): Db {
  let db = clients.get(d1);
  if (!db) {
    db = build(d1);
    clients.set(d1, db);
  }
  return db;
}

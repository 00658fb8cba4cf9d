// A drizzle client per request (never cached in module scope: the D1 binding belongs to the request's env).
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

/** Creates the typed database client for one request or one queue batch. */
export function createDb(d1: D1Database) {
  return drizzle(d1, { schema });
}

export type Db = ReturnType<typeof createDb>;

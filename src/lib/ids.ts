// Ids are UUIDv7: time-sortable, made at the edge, no central counter (DESIGN decision 7).
import { v7 } from "uuid";

/** A new UUIDv7 string. */
export function newId(): string {
  return v7();
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True when `value` looks like an id Plaza made (any UUID version, lower case). */
export function isId(value: string): boolean {
  return UUID_RE.test(value);
}

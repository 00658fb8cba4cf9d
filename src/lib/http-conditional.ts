// Conditional and range requests on a stored representation (RFC 9110 sections 13 and 14), for
// GET: the preconditions in the order of 13.2.2, then the Range (ignored when invalid or
// unsupported, 416 when no byte of it exists).

/** What the server knows about the selected representation. */
export interface Validators {
  /** Strong entity tag, quoted (`"abc"`). */
  etag: string;
  /** Last modification, in ms (compared at HTTP-date precision: whole seconds). */
  lastModified: number;
  size: number;
}

export type ConditionalOutcome =
  | { status: 412 }
  | { status: 304 }
  | { status: 416 }
  | { status: 200 }
  | { status: 206; first: number; last: number };

/** Entity tags of an If-Match / If-None-Match list (`*` is returned as ["*"]). */
function entityTags(header: string): string[] {
  if (header.trim() === "*") return ["*"];
  return [...header.matchAll(/(W\/)?"[\x21\x23-\x7e\x80-\xff]*"/g)].map((m) => m[0]);
}

const opaque = (tag: string) => tag.replace(/^W\//, "");

/** An HTTP-date in whole seconds, or undefined when it does not parse (the header is then ignored). */
function httpDate(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const ms = Date.parse(header);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** The single byte range of `header` against `size`: a range, "unsatisfiable", or undefined (ignore). */
export function parseRange(
  header: string,
  size: number,
): { first: number; last: number } | "unsatisfiable" | undefined {
  // One range only: several would need multipart/byteranges, which RFC 9110 lets a server skip.
  const m = /^bytes[ \t]*=[ \t]*(?:(\d+)-(\d*)|-(\d+))[ \t]*$/i.exec(header);
  if (!m) return undefined;
  if (m[3] !== undefined) {
    const suffix = Number(m[3]);
    if (suffix === 0) return "unsatisfiable";
    return { first: Math.max(0, size - suffix), last: size - 1 };
  }
  const first = Number(m[1]);
  const last = m[2] ? Number(m[2]) : Number.POSITIVE_INFINITY;
  // last-pos < first-pos makes the range-spec invalid (14.1.1): the field is ignored, not refused.
  if (last < first) return undefined;
  if (first >= size) return "unsatisfiable";
  return { first, last: Math.min(last, size - 1) };
}

/** Evaluates a GET's preconditions and Range against the representation (RFC 9110 13.2.2). */
export function evaluateConditional(headers: Headers, v: Validators): ConditionalOutcome {
  const lastModified = Math.floor(v.lastModified / 1000);
  const ifMatch = headers.get("If-Match");
  if (ifMatch !== null) {
    // Strong comparison: a weak tag never matches.
    const tags = entityTags(ifMatch);
    if (!tags.includes("*") && !tags.includes(v.etag)) return { status: 412 };
  } else {
    const since = httpDate(headers.get("If-Unmodified-Since") ?? undefined);
    if (since !== undefined && lastModified > since) return { status: 412 };
  }
  const ifNoneMatch = headers.get("If-None-Match");
  if (ifNoneMatch !== null) {
    // Weak comparison.
    const tags = entityTags(ifNoneMatch);
    if (tags.includes("*") || tags.some((t) => opaque(t) === v.etag)) return { status: 304 };
  } else {
    const since = httpDate(headers.get("If-Modified-Since") ?? undefined);
    if (since !== undefined && lastModified <= since) return { status: 304 };
  }
  const range = headers.get("Range");
  if (range === null) return { status: 200 };
  const ifRange = headers.get("If-Range");
  if (ifRange !== null) {
    const matches = ifRange.trim().startsWith('"') ? ifRange.trim() === v.etag : httpDate(ifRange) === lastModified;
    if (!matches) return { status: 200 };
  }
  const parsed = parseRange(range, v.size);
  if (parsed === undefined) return { status: 200 };
  if (parsed === "unsatisfiable") return { status: 416 };
  return { status: 206, ...parsed };
}

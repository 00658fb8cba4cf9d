// The one error funnel: every failure becomes RFC 9457 problem+json with a stable `code`.
// Unknown errors are logged in full and answered with a bland 500; no stack reaches a client.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ZodError } from "zod";
import type { AppEnv } from "./env";
import { describeError } from "./lib/log";

/** Extra members of a problem document (RFC 9457 extension members). */
export type ProblemExtras = Record<string, unknown>;

/** An error that knows its HTTP status, stable code and client-safe detail. */
export class AppError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly extras: ProblemExtras = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
    this.name = "AppError";
  }
}

/** One field-level validation problem. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Flattens zod issues into `{path, message}` pairs a client can show next to fields. */
export function zodIssues(error: ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(root)",
    message: issue.message,
  }));
}

/** Constructors for the errors Plaza answers with; `code`s are part of the API. */
export const errors = {
  validation: (issues: FieldIssue[], detail = "The request is not valid.") =>
    new AppError(400, "validation_failed", "Validation failed", detail, { errors: issues }),
  malformedJson: () => new AppError(400, "malformed_json", "Malformed JSON", "The request body is not valid JSON."),
  invalidEncoding: () =>
    new AppError(400, "invalid_encoding", "Invalid encoding", "The request body is not valid UTF-8."),
  invalidCursor: () =>
    new AppError(400, "invalid_cursor", "Invalid cursor", "The cursor is not one this server issued."),
  invalidBookmark: () =>
    new AppError(400, "invalid_bookmark", "Invalid bookmark", "Plaza-Bookmark is not a bookmark this server gave."),
  unauthorized: (detail = "Missing or invalid credentials.") =>
    new AppError(401, "unauthorized", "Unauthorized", detail, {}, { "WWW-Authenticate": "Bearer" }),
  invalidCredentials: () =>
    new AppError(401, "invalid_credentials", "Invalid credentials", "Wrong username or password."),
  forbidden: (detail = "You are not allowed to do this.") => new AppError(403, "forbidden", "Forbidden", detail),
  blocked: () => new AppError(403, "blocked", "Blocked", "This user does not accept your messages."),
  /** The account is suspended (login, refresh and its revoked sessions' tokens); `until` null: until lifted. */
  suspended: (until: string | null) =>
    new AppError(
      403,
      "suspended",
      "Suspended",
      until ? `This account is suspended until ${until}.` : "This account is suspended.",
      { until },
    ),
  /** The moderation step refused the content (word list or hook). */
  moderated: (detail = "The content was refused by moderation.") => new AppError(422, "moderated", "Moderated", detail),
  notFound: (what = "resource") => new AppError(404, "not_found", "Not found", `No such ${what}.`),
  conflict: (code: string, detail: string) => new AppError(409, code, "Conflict", detail),
  payloadTooLarge: (limitBytes: number) =>
    new AppError(413, "payload_too_large", "Payload too large", `The body exceeds ${limitBytes} bytes.`, {
      limitBytes,
    }),
  unsupportedMediaType: (detail = "Unsupported Content-Type.") =>
    new AppError(415, "unsupported_media_type", "Unsupported media type", detail),
  preconditionFailed: (headers: Record<string, string> = {}) =>
    new AppError(
      412,
      "precondition_failed",
      "Precondition failed",
      "The representation does not match If-Match / If-Unmodified-Since.",
      {},
      headers,
    ),
  rangeNotSatisfiable: (size: number) =>
    new AppError(
      416,
      "range_not_satisfiable",
      "Range not satisfiable",
      `No byte of the requested range exists; the size is ${size} bytes.`,
      { size },
      { "Content-Range": `bytes */${size}` },
    ),
  unprocessable: (code: string, detail: string) => new AppError(422, code, "Unprocessable", detail),
  rateLimited: (retryAfterSeconds: number) =>
    new AppError(
      429,
      "rate_limited",
      "Too many requests",
      `Try again in ${retryAfterSeconds} seconds.`,
      { retryAfter: retryAfterSeconds },
      { "Retry-After": String(retryAfterSeconds) },
    ),
  tooManyTasks: (limit: number, retryAfterSeconds: number) =>
    new AppError(
      429,
      "too_many_active_tasks",
      "Too many active tasks",
      `You already have ${limit} queued or running tasks; wait for one to finish.`,
      { limit, retryAfter: retryAfterSeconds },
      { "Retry-After": String(retryAfterSeconds) },
    ),
  budgetExhausted: (budget: number, resetAt: string, retryAfterSeconds: number) =>
    new AppError(
      429,
      "budget_exhausted",
      "Token budget exhausted",
      `You have used your ${budget} tokens for today; the budget resets with the next UTC day (resetAt).`,
      { budget, resetAt, retryAfter: retryAfterSeconds },
      { "Retry-After": String(retryAfterSeconds) },
    ),
  internal: () => new AppError(500, "internal_error", "Internal error", "Something went wrong on our side."),
  shuttingDown: (retryAfterSeconds = 5) =>
    new AppError(
      503,
      "shutting_down",
      "Shutting down",
      "The server is stopping; retry in a few seconds.",
      { retryAfter: retryAfterSeconds },
      { "Retry-After": String(retryAfterSeconds) },
    ),
};

/** Codes for statuses Hono itself raises (body validator, method checks). */
const httpExceptionCodes: Partial<Record<number, [code: string, title: string]>> = {
  400: ["bad_request", "Bad request"],
  401: ["unauthorized", "Unauthorized"],
  403: ["forbidden", "Forbidden"],
  404: ["not_found", "Not found"],
  405: ["method_not_allowed", "Method not allowed"],
  413: ["payload_too_large", "Payload too large"],
  415: ["unsupported_media_type", "Unsupported media type"],
};

/** Maps a thrown value to the AppError a client sees. */
export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 400 && err.message.startsWith("Malformed JSON")) return errors.malformedJson();
    const known = httpExceptionCodes[err.status];
    if (known) return new AppError(err.status, known[0], known[1], err.message || known[1]);
  }
  return undefined;
}

/** The problem+json response for an AppError (with X-Request-Id when the request has one). */
export function problemResponse(err: AppError, requestId?: string): Response {
  const body = {
    type: `urn:plaza:problem:${err.code}`,
    title: err.title,
    status: err.status,
    detail: err.detail ?? err.title,
    code: err.code,
    ...(requestId ? { requestId } : {}),
    ...err.extras,
  };
  return new Response(JSON.stringify(body), {
    status: err.status,
    headers: {
      "Content-Type": "application/problem+json",
      ...err.headers,
      ...(requestId ? { "X-Request-Id": requestId } : {}),
    },
  });
}

/** Hono `onError`: known errors become their problem, anything else is logged and becomes a 500. */
export function handleError(err: unknown, c: Context<AppEnv>): Response {
  const requestId = c.get("requestId");
  let appError = toAppError(err);
  if (!appError) {
    const log = c.get("log");
    const fields = { ...describeError(err), path: c.req.path, method: c.req.method };
    if (log) log.error("unhandled error", fields);
    else console.error(JSON.stringify({ level: "error", msg: "unhandled error", requestId, ...fields }));
    appError = errors.internal();
  }
  return problemResponse(appError, requestId);
}

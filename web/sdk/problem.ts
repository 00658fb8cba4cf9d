// Errors from Plaza: every non-2xx answer is RFC 9457 problem+json with a stable `code`
// (API.md "Conventions"). The SDK throws them as PlazaError; network failures too.

/** One invalid field of a `validation_failed` problem. */
export interface FieldError {
  path: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId?: string;
  errors?: FieldError[];
  /** Seconds, from the `Retry-After` header of a 429 or 503. */
  retryAfter?: number;
}

/** A failed Plaza call. `code` is stable and meant for programs; `message` is for people. */
export class PlazaError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title);
    this.name = "PlazaError";
    this.status = problem.status;
    this.code = problem.code;
  }

  /** The field errors of a validation problem (empty otherwise). */
  get fieldErrors(): FieldError[] {
    return this.problem.errors ?? [];
  }
}

function isFieldErrors(value: unknown): value is FieldError[] {
  return (
    Array.isArray(value) &&
    value.every((e) => typeof e === "object" && e !== null && typeof (e as FieldError).message === "string")
  );
}

/** Builds a PlazaError from a failed response's status, headers and (parsed or raw) body. */
export function problemError(status: number, statusText: string, headers: Headers, body: unknown): PlazaError {
  const retry = Number(headers.get("Retry-After"));
  const retryAfter = Number.isFinite(retry) && retry > 0 ? { retryAfter: retry } : {};
  if (typeof body === "object" && body !== null && typeof (body as Problem).code === "string") {
    const p = body as Partial<Problem>;
    return new PlazaError({
      type: typeof p.type === "string" ? p.type : "about:blank",
      title: typeof p.title === "string" ? p.title : statusText,
      status,
      detail: typeof p.detail === "string" ? p.detail : (p.title ?? statusText),
      code: p.code as string,
      ...(typeof p.requestId === "string" ? { requestId: p.requestId } : {}),
      ...(isFieldErrors(p.errors) ? { errors: p.errors } : {}),
      ...retryAfter,
    });
  }
  const text = typeof body === "string" ? body.slice(0, 200) : "";
  return new PlazaError({
    type: "about:blank",
    title: statusText || "Request failed",
    status,
    detail: text || statusText || `HTTP ${status}`,
    code: status >= 500 ? "server_error" : "http_error",
    ...retryAfter,
  });
}

/** Reads a failed response as a PlazaError (also when the body is not problem+json). */
export async function toPlazaError(res: Response): Promise<PlazaError> {
  const text = await res.text().catch(() => "");
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return problemError(res.status, res.statusText, res.headers, body);
}

/** The error for a request that never got an answer (offline, server down, aborted). */
export function networkError(cause: unknown): PlazaError {
  const aborted = cause instanceof DOMException && cause.name === "AbortError";
  return new PlazaError({
    type: "about:blank",
    title: aborted ? "Aborted" : "Network error",
    status: 0,
    detail: aborted ? "The request was canceled." : "Plaza could not be reached. Check your connection and try again.",
    code: aborted ? "aborted" : "network_error",
  });
}

/** A one-line, human description of any error (for a status line or an alert). */
export function describeError(err: unknown): string {
  if (err instanceof PlazaError) {
    const fields = err.fieldErrors.map((f) => (f.path ? `${f.path}: ${f.message}` : f.message));
    return fields.length > 0 ? `${err.message} (${fields.join("; ")})` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

// Why an attempt failed, and what follows: retry or not, and whether the backend is to blame
// (only then does its circuit breaker count the failure).

export class AttemptError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly blame: "backend" | "none",
  ) {
    super(message);
    this.name = "AttemptError";
  }
}

/** Maps a backend's non-2xx answer: 5xx, 408 and 429 are its trouble; other 4xx reject the job. */
export function failureFromStatus(backendId: string, status: number): AttemptError {
  if (status >= 500 || status === 408 || status === 429) {
    return new AttemptError("backend_error", `Backend ${backendId} answered ${status}.`, true, "backend");
  }
  return new AttemptError("backend_rejected", `Backend ${backendId} rejected the job (${status}).`, false, "none");
}

/** Any thrown value as an AttemptError (unknown errors are retryable and blamed on the backend). */
export function toAttemptError(err: unknown): AttemptError {
  if (err instanceof AttemptError) return err;
  return new AttemptError("backend_error", err instanceof Error ? err.message : "The attempt failed.", true, "backend");
}

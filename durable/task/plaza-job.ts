// The `plaza-job` backend protocol, Plaza's side: post a job (the backend answers 202 and
// reports through callbacks), cancel it, and read its callbacks after an offset (re-attach).
import { signTaskToken } from "../../src/auth/tokens";
import { z } from "zod";
import { type BackendSpec, type JobCallback, JobCallbackSchema, type PlazaJobRequest } from "../../src/protocol/tasks";
import { AttemptError, failureFromStatus } from "./attempt-error";
import type { JobState, TaskState } from "./store";

const POST_TIMEOUT_MS = 10_000;

const base = (backend: BackendSpec) => backend.url.replace(/\/+$/, "");

/** `POST {url}/jobs`; resolves once the backend has accepted the job. */
export async function postJob(backend: BackendSpec, job: PlazaJobRequest): Promise<void> {
  let res: Response;
  try {
    res = await fetch(`${base(backend)}/jobs`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(job),
      signal: AbortSignal.timeout(POST_TIMEOUT_MS),
    });
  } catch {
    throw new AttemptError("backend_unreachable", `Could not reach backend ${backend.id}.`, true, "backend");
  }
  await res.body?.cancel();
  if (!res.ok) throw failureFromStatus(backend.id, res.status);
}

/** `POST {url}/jobs/{jobId}/cancel`; best effort (the job's callbacks are ignored from now on anyway). */
export async function cancelJob(backend: BackendSpec, jobId: string): Promise<boolean> {
  try {
    const res = await fetch(`${base(backend)}/jobs/${encodeURIComponent(jobId)}/cancel`, {
      method: "POST",
      signal: AbortSignal.timeout(POST_TIMEOUT_MS),
    });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Starts attempt `job` of task `s` on its plaza-job backend: signs the attempt's callback
 * token and posts the job with Plaza's callback and source URLs (from PUBLIC_URL).
 */
export async function startPlazaJob(
  s: TaskState,
  job: JobState,
  settings: { publicUrl: string; jwt: { issuer: string; secret: string }; tokenTtlSeconds: number },
): Promise<void> {
  const token = await signTaskToken({ taskId: s.id, jobId: job.jobId }, settings.jwt, settings.tokenTtlSeconds);
  await postJob(job.backend, {
    jobId: job.jobId,
    taskId: s.id,
    type: s.type,
    input: s.input,
    callbackUrl: `${settings.publicUrl}/v1/tasks/${s.id}/callback`,
    callbackToken: token,
    sourceUrl: `${settings.publicUrl}/v1/tasks/${s.id}/source`,
    deadline: new Date(s.deadline ?? Date.now()).toISOString(),
  });
}

const JobEventsSchema = z.object({
  state: z.enum(["running", "completed", "failed", "canceled"]),
  events: z.array(JobCallbackSchema).max(10_000),
});

/**
 * `GET {url}/jobs/{jobId}/events?after=<seq>`: the job's state and the callbacks it sent with
 * `seq > after`, oldest first. Undefined when the backend does not know the job (it was never
 * posted, or the backend restarted) or cannot be asked: then the job cannot be re-attached.
 */
export async function jobEvents(
  backend: BackendSpec,
  jobId: string,
  after: number,
): Promise<{ state: z.infer<typeof JobEventsSchema>["state"]; events: JobCallback[] } | undefined> {
  try {
    const res = await fetch(`${base(backend)}/jobs/${encodeURIComponent(jobId)}/events?after=${after}`, {
      signal: AbortSignal.timeout(POST_TIMEOUT_MS),
    });
    if (!res.ok) {
      await res.body?.cancel();
      return undefined;
    }
    const parsed = JobEventsSchema.safeParse(await res.json());
    if (!parsed.success) return undefined;
    return { state: parsed.data.state, events: [...parsed.data.events].sort((a, b) => a.seq - b.seq) };
  } catch {
    return undefined;
  }
}

// Task wire shapes (API.md "Tasks" and "GPU backends"): the public task, its events, the
// TASKS queue message, backend specs and the plaza-job callback. Imports only zod.
import { z } from "zod";
import type { JsonValue } from "./json";

export const TASK_STATUSES = ["waiting", "queued", "running", "succeeded", "failed", "canceled"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** `waiting`: for the tasks named in `after` to succeed (then queued). */
const rank: Record<TaskStatus, number> = { waiting: 0, queued: 1, running: 2, succeeded: 3, failed: 3, canceled: 3 };

/** True when a task may move from `from` to `to` (forward only, terminal states are final). */
export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return rank[to] > rank[from];
}

/** True for succeeded, failed and canceled. */
export function isTerminal(status: TaskStatus): boolean {
  return rank[status] === 3;
}

export const TASK_PRIORITIES = ["low", "normal", "high"] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

/** `{code, message}` of a failed task. */
export interface TaskError {
  code: string;
  message: string;
}

/** A waiting task's place among the tasks waiting for the same capability. */
export interface QueuePlace {
  /** 1-based place in line (`ahead + 1`). */
  position: number;
  /** Tasks that will be dispatched before this one. */
  ahead: number;
  /** Expected wait until it starts, from the capability's measured service rate; absent until measured. */
  etaMs?: number;
}

/** The public task (API.md `task`). */
export interface Task {
  id: string;
  type: string;
  status: TaskStatus;
  priority: TaskPriority;
  progress: number;
  result?: JsonValue;
  error?: TaskError;
  attempts: number;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** While queued and known to the pool: its place in line. */
  queue?: QueuePlace;
  /** Once assigned: the backend running (or that ran) its latest attempt. */
  backend?: { id: string };
  /** The validated input (one task's GET and socket snapshot; not in lists or inbox frames). */
  input?: JsonValue;
}

/** A task as it is stored (the TaskRun object's record, the D1 row), times in ms since the epoch. */
export interface TaskRecord {
  id: string;
  type: string;
  status: TaskStatus;
  priority: TaskPriority;
  progress: number;
  result?: JsonValue | undefined;
  error?: TaskError | undefined;
  attempts: number;
  createdAt: number;
  startedAt?: number | undefined;
  finishedAt?: number | undefined;
  queue?: QueuePlace | undefined;
  backendId?: string | undefined;
  input?: unknown;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The public view of a stored task (API.md `task`): the one mapper for the object and the D1 row. */
export function toPublicTask(r: TaskRecord, options: { withInput?: boolean } = {}): Task {
  return {
    id: r.id,
    type: r.type,
    status: r.status,
    priority: r.priority,
    progress: r.progress,
    ...(r.result !== undefined ? { result: r.result } : {}),
    ...(r.error ? { error: r.error } : {}),
    attempts: r.attempts,
    createdAt: iso(r.createdAt),
    ...(r.startedAt !== undefined ? { startedAt: iso(r.startedAt) } : {}),
    ...(r.finishedAt !== undefined ? { finishedAt: iso(r.finishedAt) } : {}),
    ...(r.queue && r.status === "queued" ? { queue: { ...r.queue } } : {}),
    ...(r.backendId !== undefined ? { backend: { id: r.backendId } } : {}),
    // Validated input is JSON: it was parsed from a JSON body.
    ...(options.withInput && r.input !== undefined ? { input: r.input as JsonValue } : {}),
  };
}

/** One entry of a task's event log; `seq` is gap-free per task. */
export type TaskEventBody =
  | { kind: "status"; status: TaskStatus; error?: TaskError }
  | { kind: "progress"; progress: number }
  | { kind: "output"; text?: string; data?: JsonValue }
  | { kind: "log"; message: string }
  | { kind: "queue"; position: number; ahead: number; etaMs?: number }
  | { kind: "assigned"; backendId: string }
  | { kind: "restarted"; reason: string };

export interface TaskEvent {
  seq: number;
  at: string;
  event: TaskEventBody;
}

/** Task socket frames, server -> client. */
export type TaskServerFrame =
  | { type: "snapshot"; task: Task; seq: number }
  | { type: "event"; seq: number; at: string; event: TaskEventBody }
  | { type: "error"; code: string; detail: string };

/** The TASKS queue message: the task lives in its Durable Object, the message only names it. */
export const TaskMessageSchema = z.object({ taskId: z.uuid() });
export type TaskMessage = z.infer<typeof TaskMessageSchema>;

// ---------------------------------------------------------------- backends

export const BACKEND_PROTOCOLS = ["openai", "plaza-job"] as const;
export type BackendProtocol = (typeof BACKEND_PROTOCOLS)[number];

export const BackendSpecSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "1-64 of A-Z a-z 0-9 . _ -"),
  url: z.url({ protocol: /^https?$/ }).max(512),
  protocol: z.enum(BACKEND_PROTOCOLS),
  capabilities: z.array(z.string().min(1).max(64)).min(1).max(32),
  capacity: z.number().int().min(1).max(1024),
  /** Model name sent to OpenAI-compatible backends when the task names none. */
  model: z.string().min(1).max(200).optional(),
});
export type BackendSpec = z.infer<typeof BackendSpecSchema>;

/** Parses the BACKENDS [vars] entry (a JSON array); throws a readable error when it is malformed. */
export function parseBackendsVar(text: string): BackendSpec[] {
  const parsed = z.array(BackendSpecSchema).safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`BACKENDS is not a valid backend list: ${parsed.error.message}`);
  return parsed.data;
}

export type BreakerState = "closed" | "open" | "half-open";

/** A backend as the pool reports it (GET /v1/backends). */
export interface BackendView extends BackendSpec {
  source: "config" | "runtime";
  enabled: boolean;
  inFlight: number;
  healthy: boolean | null;
  lastHealthAt: string | null;
  breaker: { state: BreakerState; consecutiveFailures: number; openedAt: string | null };
  served: { started: number; succeeded: number; failed: number };
  /** Tasks with a `sessionKey` sent back to this backend (hits) or moved away from it (misses). */
  affinity: { hits: number; misses: number };
}

/** What the pool hands out: a backend slot held for one task until released. */
export interface BackendLease {
  taskId: string;
  backend: BackendSpec;
}

// ---------------------------------------------------------------- plaza-job protocol

/** `POST {url}/jobs`: what Plaza sends a plaza-job backend. */
export interface PlazaJobRequest {
  jobId: string;
  taskId: string;
  type: string;
  input: unknown;
  /** Where the backend posts progress, output and the result, with `Authorization: Bearer <callbackToken>`. */
  callbackUrl: string;
  callbackToken: string;
  /** For jobs that read a stored object: GET it with the same bearer token. */
  sourceUrl?: string;
  deadline: string;
}

/** A callback from a plaza-job backend; `seq` increases per job so duplicates can be dropped. */
export const JobCallbackSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    jobId: z.string().max(128),
    seq: z.number().int().min(0),
    kind: z.literal("progress"),
    progress: z.number().min(0).max(1),
  }),
  z.strictObject({
    jobId: z.string().max(128),
    seq: z.number().int().min(0),
    kind: z.literal("output"),
    data: z.unknown(),
  }),
  z.strictObject({
    jobId: z.string().max(128),
    seq: z.number().int().min(0),
    kind: z.literal("log"),
    message: z.string().max(2000),
  }),
  z.strictObject({
    jobId: z.string().max(128),
    seq: z.number().int().min(0),
    kind: z.literal("result"),
    result: z.unknown(),
  }),
  z.strictObject({
    jobId: z.string().max(128),
    seq: z.number().int().min(0),
    kind: z.literal("error"),
    code: z.string().max(64),
    message: z.string().max(2000),
    retryable: z.boolean().default(false),
  }),
]);
export type JobCallback = z.infer<typeof JobCallbackSchema>;

/** Why a callback was or was not applied. */
export type CallbackOutcome = "applied" | "duplicate" | "late" | "finished";

// A TaskRun object's storage: the task record (one key) and its ordered event log (SQLite,
// gap-free `seq`). Synchronous SQL on purpose: an append and its broadcast happen in one turn.
import {
  type Task,
  type TaskError,
  type TaskEvent,
  type TaskEventBody,
  type TaskPriority,
  type TaskStatus,
  type QueuePlace,
  toPublicTask,
} from "../../src/protocol/tasks";
import type { BackendSpec } from "../../src/protocol/tasks";
import type { JsonValue } from "../../src/protocol/json";

/** Where a task is inside its status: finer than `status`, never shown to clients. */
export type Phase = "waiting" | "queued" | "starting" | "active" | "retry_wait" | "done";

/** The attempt in progress on one backend. */
export interface JobState {
  jobId: string;
  backend: BackendSpec;
  startedAt: number;
  /** Highest callback `seq` applied (plaza-job); duplicates and stale ones are dropped. */
  lastSeq: number;
  /** Last sign of life from the backend (persisted for plaza-job callbacks). */
  lastActivityAt: number;
}

/** What the Worker knows when it creates a task. */
export interface NewTask {
  id: string;
  userId: string;
  type: string;
  priority: TaskPriority;
  input: unknown;
  createdAt: number;
  /** Tasks with the same key (per user) prefer the backend that served the last one. */
  sessionKey?: string | undefined;
  /** The caller's tasks that must succeed first (their results become `input.$after`). */
  after?: string[] | undefined;
}

export interface TaskState extends NewTask {
  status: TaskStatus;
  phase: Phase;
  progress: number;
  result?: JsonValue;
  error?: TaskError;
  /** Attempts started (shown as `attempts`). */
  attempts: number;
  /** Attempts that failed with a retryable error: the task's real failure budget. */
  failures: number;
  startedAt?: number;
  finishedAt?: number;
  /** Whole-task deadline, set at the first start. */
  deadline?: number;
  /** When a retry_wait task's re-dispatch message is due (the watchdog re-sends it if lost). */
  retryAt?: number;
  job?: JobState;
  /** True while the D1 row lags behind this record (the watchdog retries the write). */
  d1Dirty: boolean;
  /** While waiting for a slot: the place the pool last reported. */
  queue?: QueuePlace | undefined;
  /** The place last sent as a `queue` event, and when (coalescing). */
  queueSent?: QueuePlace | undefined;
  queueSentAt?: number | undefined;
  /** The backend of the latest attempt (shown as `backend: {id}`). */
  backendId?: string | undefined;
  /** While waiting: the results of the dependencies that succeeded so far, by task id. */
  afterResults?: Record<string, JsonValue> | undefined;
  /** Tasks waiting for this one (told when it finishes). */
  dependents?: string[] | undefined;
}

const STATE_KEY = "task";

interface EventRow extends Record<string, SqlStorageValue> {
  seq: number;
  at: number;
  body: string;
}

/** Creates the event table; call from the constructor. */
export function initStore(storage: DurableObjectStorage): void {
  storage.sql.exec(
    "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, body TEXT NOT NULL)",
  );
}

export function loadState(storage: DurableObjectStorage): Promise<TaskState | undefined> {
  return storage.get<TaskState>(STATE_KEY);
}

export function saveState(storage: DurableObjectStorage, state: TaskState): Promise<void> {
  return storage.put(STATE_KEY, state);
}

/** Appends an event and returns it with its seq. */
export function appendEvent(storage: DurableObjectStorage, body: TaskEventBody, now = Date.now()): TaskEvent {
  const { seq } = storage.sql
    .exec<{ seq: number }>(
      "INSERT INTO events (seq, at, body) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM events), ?, ?) RETURNING seq",
      now,
      JSON.stringify(body),
    )
    .one();
  return { seq, at: new Date(now).toISOString(), event: body };
}

/** Events with `seq > since`, oldest first, at most `limit`. */
export function eventsSince(storage: DurableObjectStorage, since: number, limit = 10_000): TaskEvent[] {
  return storage.sql
    .exec<EventRow>("SELECT seq, at, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?", since, limit)
    .toArray()
    .map((r) => ({ seq: r.seq, at: new Date(r.at).toISOString(), event: JSON.parse(r.body) as TaskEventBody }));
}

/** The latest seq (0 when the log is empty). */
export function lastSeq(storage: DurableObjectStorage): number {
  return storage.sql.exec<{ seq: number }>("SELECT COALESCE(MAX(seq), 0) AS seq FROM events").one().seq;
}

/** The public view of a task record (API.md `task`). */
export function toTask(s: TaskState, options: { withInput?: boolean } = {}): Task {
  return toPublicTask(s, options);
}

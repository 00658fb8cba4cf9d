// Watching one task: a snapshot, then every event in seq order (status, progress, streamed
// output, logs). Reconnects resume with `?since=<last seq>`; once the task has finished and
// its log is delivered the server closes with 1000 and the connection ends.
import { Emitter } from "./emitter";
import { type Task, type TaskEventBody, type TaskServerFrame, TERMINAL_TASK_STATUSES } from "./frames";
import { type ConnectionState, LiveSocket } from "./live-socket";
import type { Session } from "./session";

type TaskHandlers = {
  /** The task as it is now (first frame of every connection). */
  snapshot: (task: Task) => void;
  /** Every event once, in seq order. */
  event: (event: TaskEventBody, seq: number, at: string) => void;
  /** Streamed text (llm.chat tokens), in order, never twice. */
  output: (text: string) => void;
  /** While queued: the task's place in line changed (at most once a second). */
  queue: (place: { position: number; ahead: number; etaMs?: number }) => void;
  /** A backend took the task (before its first token). */
  assigned: (backendId: string) => void;
  /** The task finished (succeeded, failed or canceled); the connection ends after it. */
  finished: (task: Task) => void;
  error: (error: { code: string; detail: string }) => void;
  state: (state: ConnectionState) => void;
};

export interface TaskConnectionOptions {
  url: string;
  session: Session;
  WebSocket?: typeof WebSocket;
}

/** One task's live stream. */
export class TaskConnection extends Emitter<TaskHandlers> {
  private readonly socket: LiveSocket;
  private lastSeqSeen: number | undefined;
  private task: Task | undefined;
  private done = false;

  constructor(options: TaskConnectionOptions) {
    super();
    this.socket = new LiveSocket({
      session: options.session,
      ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
      url: () => {
        const url = new URL(options.url);
        if (this.lastSeqSeen !== undefined) url.searchParams.set("since", String(this.lastSeqSeen));
        return url.toString();
      },
      onFrame: (frame) => this.handle(frame as TaskServerFrame),
      onState: (state) => this.emit("state", state),
      isFinal: (code, reason) => code === 1000 && reason === "task finished",
      onEnded: () => this.finish(),
    });
  }

  get state(): ConnectionState {
    return this.socket.state;
  }

  /** The latest known state of the task. */
  get current(): Task | undefined {
    return this.task;
  }

  close(): void {
    this.socket.close();
  }

  private handle(frame: TaskServerFrame): void {
    switch (frame.type) {
      case "snapshot":
        this.task = frame.task;
        this.lastSeqSeen ??= 0;
        this.emit("snapshot", frame.task);
        return;
      case "event": {
        if (this.lastSeqSeen !== undefined && frame.seq <= this.lastSeqSeen) return;
        this.lastSeqSeen = frame.seq;
        const event = frame.event;
        if (this.task) this.task = applyEvent(this.task, event, frame.at);
        this.emit("event", event, frame.seq, frame.at);
        if (event.kind === "output" && typeof event.text === "string" && event.text.length > 0)
          this.emit("output", event.text);
        if (event.kind === "queue") {
          const { position, ahead, etaMs } = event;
          this.emit("queue", { position, ahead, ...(etaMs !== undefined ? { etaMs } : {}) });
        }
        if (event.kind === "assigned") this.emit("assigned", event.backendId);
        if (event.kind === "status" && TERMINAL_TASK_STATUSES.has(event.status)) this.finish();
        return;
      }
      case "error":
        this.emit("error", { code: frame.code, detail: frame.detail });
        return;
    }
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    if (this.task && TERMINAL_TASK_STATUSES.has(this.task.status)) this.emit("finished", this.task);
    this.socket.close();
  }
}

/** The task after one event (status, progress, place, backend; the result comes with the final GET). */
function applyEvent(task: Task, event: TaskEventBody, at: string): Task {
  if (event.kind === "progress") return { ...task, progress: event.progress };
  if (event.kind === "queue") {
    const { position, ahead, etaMs } = event;
    return { ...task, queue: { position, ahead, ...(etaMs !== undefined ? { etaMs } : {}) } };
  }
  if (event.kind === "assigned") {
    const { queue: _left, ...rest } = task;
    return { ...rest, backend: { id: event.backendId } };
  }
  if (event.kind !== "status") return task;
  return {
    ...task,
    status: event.status,
    ...(event.error ? { error: event.error } : {}),
    ...(event.status === "running" && !task.startedAt ? { startedAt: at } : {}),
    ...(TERMINAL_TASK_STATUSES.has(event.status) ? { finishedAt: at } : {}),
  };
}

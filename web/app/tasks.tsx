// Tasks: submit an llm.chat prompt and watch its tokens stream in, cancel it, and browse past
// tasks with their results and failures (status changes arrive live from the inbox).
import { useEffect, useRef, useState } from "preact/hooks";
import { type ConnectionState, type Task, TERMINAL_TASK_STATUSES, unwrap } from "../sdk";
import { client, taskUpdates } from "./live";
import { TaskPlacement, TaskPrompt, TaskTokens } from "./task-details";
import { href, navigate } from "./router";
import { useStore } from "./store";
import { ConnectionBadge, ErrorMessage, Section, TimeAgo } from "./ui";

/** The tasks screen; `taskId` opens one task's live view. */
export function TasksScreen({ taskId }: { taskId?: string }) {
  return (
    <main id="main" class="tasks">
      <h1>Tasks</h1>
      <NewTask />
      {taskId && <TaskView key={taskId} taskId={taskId} />}
      <TaskList current={taskId} />
    </main>
  );
}

function NewTask() {
  const [prompt, setPrompt] = useState("");
  const [maxTokens, setMaxTokens] = useState(128);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const key = useRef(crypto.randomUUID());

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const task = await unwrap(
        client.api.POST("/v1/tasks", {
          body: {
            type: "llm.chat",
            input: { messages: [{ role: "user", content: prompt }], maxTokens },
            priority: "normal",
          },
          params: { header: { "idempotency-key": key.current } },
        }),
      );
      key.current = crypto.randomUUID();
      setPrompt("");
      taskUpdates.set(task);
      navigate({ name: "task", id: task.id });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Section title="Ask the model">
      <form onSubmit={submit} class="stack">
        <label>
          Prompt
          <textarea
            rows={3}
            value={prompt}
            required
            maxLength={32000}
            onInput={(e) => setPrompt(e.currentTarget.value)}
            placeholder="Write a haiku about edge computing"
          />
        </label>
        <div class="row">
          <label>
            Max tokens
            <input
              type="number"
              min={1}
              max={4096}
              value={maxTokens}
              onInput={(e) => setMaxTokens(Number(e.currentTarget.value))}
              class="narrow"
            />
          </label>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Submitting…" : "Run llm.chat"}
          </button>
        </div>
        <ErrorMessage error={error} />
      </form>
    </Section>
  );
}

const STATUS_TEXT: Record<Task["status"], string> = {
  waiting: "Waiting",
  queued: "Queued",
  running: "Running",
  succeeded: "Succeeded",
  failed: "Failed",
  canceled: "Canceled",
};

function StatusPill({ status }: { status: Task["status"] }) {
  return (
    <span class={`pill status-${status}`} data-status={status}>
      {STATUS_TEXT[status]}
    </span>
  );
}

/** One task, live: status, progress, the streamed output, errors; cancel while it runs. */
function TaskView({ taskId }: { taskId: string }) {
  const [task, setTask] = useState<Task | null>(null);
  const [output, setOutput] = useState("");
  const [state, setState] = useState<ConnectionState>("connecting");
  const [logs, setLogs] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    const conn = client.task(taskId);
    const reload = () =>
      unwrap(client.api.GET("/v1/tasks/{id}", { params: { path: { id: taskId } } }))
        .then((t) => live && setTask(t))
        .catch((err: unknown) => live && setError(err));
    setOutput("");
    conn.on("state", setState);
    conn.on("snapshot", (t) => setTask(t));
    conn.on("output", (text) => setOutput((o) => o + text));
    conn.on("event", (event) => {
      if (event.kind === "log") setLogs((l) => [...l, event.message]);
      // The stream starts over on another attempt: keep what came, marked, never silently twice.
      if (event.kind === "restarted") setOutput((o) => `${o}\n[restarted: ${event.reason}]\n`);
      if (["status", "progress", "queue", "assigned"].includes(event.kind)) setTask(conn.current ?? null);
    });
    conn.on("finished", () => void reload()); // the stored result and error
    conn.on("error", (e) => setError(new Error(e.detail)));
    return () => {
      live = false;
      conn.close();
    };
  }, [taskId]);

  const cancel = async () => {
    setError(null);
    try {
      setTask(await unwrap(client.api.POST("/v1/tasks/{id}/cancel", { params: { path: { id: taskId } } })));
    } catch (err) {
      setError(err);
    }
  };

  const finished = task ? TERMINAL_TASK_STATUSES.has(task.status) : false;
  const resultText =
    finished && task?.result && typeof (task.result as { text?: unknown }).text === "string"
      ? (task.result as { text: string }).text
      : null;
  return (
    <Section title="Task" id="task-view">
      {!task && !error && <p class="muted">Loading…</p>}
      {task && (
        <div class="stack" data-task-id={task.id}>
          <TaskPrompt task={task} />
          <div class="row">
            <StatusPill status={task.status} />
            <progress max={1} value={task.progress} aria-label="Progress" />
            {!finished && <ConnectionBadge state={state} label="Task stream" />}
            {!finished && (
              <button type="button" onClick={() => void cancel()}>
                Cancel
              </button>
            )}
          </div>
          <TaskPlacement task={task} />
          <pre class="output" aria-label="Output" aria-busy={!finished} data-finished={finished}>
            {resultText ?? output}
          </pre>
          <TaskTokens task={task} />
          {task.error && (
            <p class="error" role="alert">
              <strong>{task.error.code}</strong>: {task.error.message}
            </p>
          )}
          {logs.length > 0 && (
            <details>
              <summary>Log ({logs.length})</summary>
              <ul>
                {logs.map((l, i) => (
                  <li key={i}>{l}</li>
                ))}
              </ul>
            </details>
          )}
          <p class="muted">
            {task.type} · attempts {task.attempts} · created <TimeAgo iso={task.createdAt} />
          </p>
        </div>
      )}
      <ErrorMessage error={error} />
    </Section>
  );
}

function TaskList({ current }: { current?: string | undefined }) {
  const [tasks, setTasks] = useState<Task[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const update = useStore(taskUpdates);

  const load = async (after: string | null) => {
    try {
      const page = await unwrap(
        client.api.GET("/v1/tasks", { params: { query: { limit: 20, ...(after ? { cursor: after } : {}) } } }),
      );
      setTasks((old) => [...(after ? old : []), ...page.items]);
      setCursor(page.nextCursor);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => void load(null), []);
  useEffect(() => {
    if (!update) return;
    setTasks((old) =>
      old.some((t) => t.id === update.id)
        ? old.map((t) => (t.id === update.id ? { ...t, ...update } : t))
        : [update, ...old],
    );
  }, [update]);

  return (
    <Section title="My tasks">
      {tasks.length === 0 && <p class="muted">No tasks yet.</p>}
      <ul class="task-list">
        {tasks.map((t) => (
          <li key={t.id} class="row">
            <StatusPill status={t.status} />
            <a href={href({ name: "task", id: t.id })} aria-current={t.id === current ? "page" : undefined}>
              {t.type} <TimeAgo iso={t.createdAt} />
            </a>
            {t.error && (
              <span class="muted">
                {t.error.code}: {t.error.message}
              </span>
            )}
          </li>
        ))}
      </ul>
      {cursor && (
        <button type="button" onClick={() => void load(cursor)}>
          More tasks
        </button>
      )}
      <ErrorMessage error={error} />
    </Section>
  );
}

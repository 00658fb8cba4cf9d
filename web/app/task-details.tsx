// What a task page shows around its output: the prompt, the place in line and ETA while it
// waits, the backend once assigned, the token usage; and the profile's usage panel.
import { useEffect, useState } from "preact/hooks";
import { type Task, unwrap } from "../sdk";
import type { components } from "../sdk/api.gen";
import { client } from "./live";
import { ErrorMessage, Section } from "./ui";

type TaskUsage = components["schemas"]["TaskUsage"];

/** The last user message of an llm.chat input (or the input as JSON for other types). */
export function TaskPrompt({ task }: { task: Task }) {
  const input = task.input as { messages?: { role: string; content: string }[] } | undefined;
  if (input === undefined) return null;
  const prompt = input.messages?.filter((m) => m.role === "user").at(-1)?.content;
  return (
    <blockquote class="prompt" aria-label="Task prompt">
      {prompt ?? JSON.stringify(input)}
    </blockquote>
  );
}

const seconds = (ms: number) => (ms < 1000 ? "under a second" : `about ${Math.round(ms / 1000)} s`);

/** Place in line and ETA while queued; the backend once assigned. */
export function TaskPlacement({ task }: { task: Task }) {
  if (task.status === "queued" && task.queue) {
    const { position, ahead, etaMs } = task.queue;
    return (
      <p class="queue" data-testid="task-queue" aria-live="polite">
        Position {position} in line ({ahead} ahead)
        {etaMs !== undefined ? ` · starts in ${seconds(etaMs)}` : ""}
      </p>
    );
  }
  if (task.backend) {
    return (
      <p class="muted" data-testid="task-backend">
        Backend {task.backend.id}
      </p>
    );
  }
  return null;
}

/** Tokens the backend reported for this task, and the result's partial mark. */
export function TaskTokens({ task }: { task: Task }) {
  const result = task.result as
    | { usage?: { promptTokens: number; completionTokens: number }; partial?: boolean }
    | undefined;
  const usage = result?.usage;
  return (
    <>
      {result?.partial && (
        <p class="muted" data-testid="task-partial">
          Partial result: what was produced before the cancel.
        </p>
      )}
      {usage && (
        <p class="muted" data-testid="task-tokens">
          Tokens: {usage.promptTokens} prompt + {usage.completionTokens} completion
        </p>
      )}
    </>
  );
}

/** The profile's usage panel: today's tokens against the budget, task counts and limits. */
export function UsagePanel() {
  const [usage, setUsage] = useState<TaskUsage | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    unwrap(client.api.GET("/v1/me/usage")).then(setUsage, setError);
  }, []);
  return (
    <Section title="Usage" id="usage">
      {usage && (
        <dl class="usage" data-testid="usage">
          <dt>Tokens today</dt>
          <dd>
            {usage.tokens.total}
            {usage.tokens.budget !== null ? ` of ${usage.tokens.budget}` : ""}
          </dd>
          <dt>Tasks</dt>
          <dd>
            {usage.tasks.running} running · {usage.tasks.queued} queued · {usage.tasks.submittedToday} today
          </dd>
          <dt>Limits</dt>
          <dd>
            {usage.limits.concurrency} at once · {usage.limits.submissionsPerMinute} a minute
          </dd>
        </dl>
      )}
      <ErrorMessage error={error} />
    </Section>
  );
}

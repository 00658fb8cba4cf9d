// Dependent tasks (`after: [taskId]`): a waiting task learns each dependency's outcome (when it
// registers, when the dependency finishes, and from its own alarm as a fallback), and once all
// have succeeded it is queued with their results as `input.$after`; one that failed or was
// canceled fails it with `dependency_failed`.
import type { JsonValue } from "../../src/protocol/json";
import type { Task } from "../../src/protocol/tasks";
import type { TaskState } from "./store";

/** A waiting task re-checks its dependencies this often, in case a notice was lost. */
export const DEPENDENCY_RECHECK_MS = 30_000;

export type DependencyStep =
  | { action: "wait" }
  | { action: "fail"; message: string }
  | { action: "queue"; input: JsonValue };

/** Records what `dep` says about dependency `depId` of `s` and decides what the task does next. */
export function applyDependency(s: TaskState, depId: string, dep: Task | undefined): DependencyStep {
  const after = s.after ?? [];
  if (!after.includes(depId)) return { action: "wait" };
  if (!dep) return { action: "fail", message: `Task ${depId} does not exist.` };
  if (dep.status === "failed" || dep.status === "canceled") {
    return { action: "fail", message: `Task ${depId} ${dep.status}.` };
  }
  if (dep.status === "succeeded") {
    s.afterResults = { ...(s.afterResults ?? {}), [depId]: dep.result ?? null };
  }
  const results = s.afterResults ?? {};
  if (!after.every((id) => id in results)) return { action: "wait" };
  const input = (typeof s.input === "object" && s.input !== null ? s.input : {}) as Record<string, JsonValue>;
  return { action: "queue", input: { ...input, $after: after.map((id) => results[id] ?? null) } };
}

// Making a task's change visible outside its object: the D1 row (lists, ownership) and a
// `task` frame to the owner's inbox, so an owner who was offline sees the outcome.
import type { Task } from "../../src/protocol/tasks";
import type { TaskState } from "./store";
import { toTask } from "./store";

/** Writes the task's current state to its D1 row. Throws when D1 is unavailable. */
export async function writeTaskRow(db: D1Database, s: TaskState): Promise<void> {
  await db
    .prepare(
      `UPDATE tasks SET status = ?, progress = ?, result = ?, error_code = ?, error_message = ?, attempts = ?,
         started_at = ?, finished_at = ? WHERE id = ?`,
    )
    .bind(
      s.status,
      s.progress,
      s.result === undefined ? null : JSON.stringify(s.result),
      s.error?.code ?? null,
      s.error?.message ?? null,
      s.attempts,
      s.startedAt ?? null,
      s.finishedAt ?? null,
      s.id,
    )
    .run();
}

/** Sends `{type: "task", task}` to every device of the owner; returns the task sent. */
export async function notifyOwner(inbox: Env["INBOX"], s: TaskState): Promise<Task> {
  const task = toTask(s);
  await inbox.get(inbox.idFromName(s.userId)).notify({ type: "task", task: { ...task } });
  return task;
}

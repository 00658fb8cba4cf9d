// The watchdog's verdict for a task at alarm time: pure, so each case is easy to see and test.
import type { TaskState } from "./store";

export type WatchdogVerdict =
  | { action: "idle" }
  | { action: "resend"; next: number }
  | { action: "rearm"; at: number }
  | { action: "timeout" }
  | { action: "interrupted" }
  | { action: "silent" };

export interface WatchdogInputs {
  now: number;
  silenceMs: number;
  /** Whether this instance holds the attempt's OpenAI stream (lost if the object restarted). */
  streamAlive: boolean;
  /** Last token time of the live stream (0 when none). */
  streamActivity: number;
  resendGraceMs: number;
}

/** What the alarm should do for `s`. */
export function watchdogVerdict(s: TaskState, w: WatchdogInputs): WatchdogVerdict {
  if (s.phase === "retry_wait") {
    // The delayed re-dispatch message is due; if it got lost, send another.
    return w.now >= (s.retryAt ?? 0)
      ? { action: "resend", next: w.now + w.resendGraceMs }
      : { action: "rearm", at: (s.retryAt ?? w.now) + w.resendGraceMs };
  }
  const job = s.job;
  if ((s.phase !== "starting" && s.phase !== "active") || !job) return { action: "idle" };
  if (s.deadline !== undefined && w.now >= s.deadline) return { action: "timeout" };
  const isStream = job.backend.protocol === "openai";
  if (isStream && !w.streamAlive) return { action: "interrupted" };
  const last = isStream ? Math.max(w.streamActivity, job.startedAt) : job.lastActivityAt;
  if (w.now - last >= w.silenceMs) return { action: "silent" };
  return { action: "rearm", at: Math.min(s.deadline ?? Infinity, last + w.silenceMs) };
}

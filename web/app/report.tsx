// The report action on posts, comments, messages and profiles: pick a reason, send it to the moderators.
import { useState } from "preact/hooks";
import type { ReportReason, ReportTarget } from "../sdk";
import { client } from "./live";
import { ErrorMessage } from "./ui";

const REASONS: { value: ReportReason; label: string }[] = [
  { value: "spam", label: "Spam" },
  { value: "abuse", label: "Abuse or harassment" },
  { value: "illegal", label: "Illegal content" },
  { value: "other", label: "Something else" },
];

/** A "Report" button that opens a small form (named "Report <what>"); `what` names the target. */
export function ReportButton({ target, what }: { target: ReportTarget; what: string }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState<ReportReason>("spam");
  const [note, setNote] = useState("");
  const [state, setState] = useState<"idle" | "sending" | "sent">("idle");
  const [error, setError] = useState<unknown>(null);

  if (state === "sent") {
    return (
      <span class="muted" role="status">
        Reported. Thank you.
      </span>
    );
  }
  if (!open) {
    return (
      // The name stays "Report" (scoped by its post, comment, message or profile); `what` is the tooltip.
      <button type="button" class="report" title={`Report ${what}`} onClick={() => setOpen(true)}>
        Report
      </button>
    );
  }
  const send = async (e: Event) => {
    e.preventDefault();
    setState("sending");
    setError(null);
    try {
      await client.moderation.report(target, reason, note.trim() || undefined);
      setState("sent");
    } catch (err) {
      setError(err);
      setState("idle");
    }
  };
  return (
    <form class="report-form row" onSubmit={send} aria-label={`Report ${what}`}>
      <label>
        <span class="sr-only">Reason</span>
        <select value={reason} onChange={(e) => setReason(e.currentTarget.value as ReportReason)}>
          {REASONS.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </select>
      </label>
      <label class="grow">
        <span class="sr-only">Note for the moderators (optional)</span>
        <input
          value={note}
          maxLength={1000}
          placeholder="Note (optional)"
          onInput={(e) => setNote(e.currentTarget.value)}
        />
      </label>
      <button type="submit" disabled={state === "sending"}>
        Send report
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
      <ErrorMessage error={error} />
    </form>
  );
}

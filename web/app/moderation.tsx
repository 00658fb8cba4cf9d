// The moderation page (moderators and admins): open reports with the content as reported and
// one-click actions; admins also see the audit log.
import { useEffect, useState } from "preact/hooks";
import type { AuditEntry, Report, ReportAction, User } from "../sdk";
import { client } from "./live";
import { href } from "./router";
import { ErrorMessage, TimeAgo } from "./ui";

const ACTIONS: { action: ReportAction; label: string }[] = [
  { action: "dismiss", label: "Dismiss" },
  { action: "remove", label: "Remove content" },
  { action: "suspend", label: "Suspend author" },
];

export function ModerationScreen({ me }: { me: User }) {
  const [reports, setReports] = useState<Report[] | null>(null);
  const [audit, setAudit] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = async () => {
    setError(null);
    try {
      const page = await client.moderation.reports({ status: "open", limit: 50 });
      setReports(page.items);
      if (me.role === "admin") setAudit((await client.moderation.audit({ limit: 50 })).items);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => void load(), [me.id]);

  const resolve = async (report: Report, action: ReportAction) => {
    setError(null);
    try {
      await client.moderation.resolve(report.id, action);
      setReports((old) => (old ?? []).filter((r) => r.id !== report.id));
      if (me.role === "admin") setAudit((await client.moderation.audit({ limit: 50 })).items);
    } catch (err) {
      setError(err);
    }
  };

  if (me.role === "user") {
    return (
      <main id="main">
        <h1>Moderation</h1>
        <p>This page is for moderators.</p>
      </main>
    );
  }
  return (
    <main id="main" class="moderation">
      <h1>Moderation</h1>
      <ErrorMessage error={error} />
      <h2>Open reports</h2>
      {reports === null && !error && <p class="muted">Loading…</p>}
      {reports?.length === 0 && <p class="muted">No open reports.</p>}
      <ul class="reports" aria-label="Open reports">
        {(reports ?? []).map((r) => (
          <li key={r.id} class="card" data-report-id={r.id}>
            <p>
              <strong>{r.reason}</strong> · {r.target.kind} by{" "}
              <a href={href({ name: "user", id: r.snapshot.authorId })}>@{r.snapshot.authorUsername}</a> ·{" "}
              <TimeAgo iso={r.createdAt} />
            </p>
            <blockquote class="snapshot">{r.snapshot.text}</blockquote>
            {r.note && <p class="muted">Reporter's note: {r.note}</p>}
            <div class="row">
              {ACTIONS.filter(
                (a) => a.action !== "remove" || r.target.kind === "post" || r.target.kind === "comment",
              ).map((a) => (
                <button key={a.action} type="button" onClick={() => void resolve(r, a.action)}>
                  {a.label}
                </button>
              ))}
            </div>
          </li>
        ))}
      </ul>
      {me.role === "admin" && (
        <>
          <h2>Audit log</h2>
          <ul class="audit" aria-label="Audit log">
            {(audit ?? []).map((e) => (
              <li key={e.id}>
                <code>{e.action}</code> {e.target.kind} {e.target.id.slice(0, 8)} by {e.actorId.slice(0, 8)}
                {e.note ? ` (${e.note})` : ""} <TimeAgo iso={e.createdAt} />
              </li>
            ))}
          </ul>
        </>
      )}
    </main>
  );
}

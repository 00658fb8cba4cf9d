// Small shared pieces: error messages from problem+json, the connection indicator, times.
import type { ComponentChildren } from "preact";
import { type ConnectionState, PlazaError } from "../sdk";

const STATE_TEXT: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline",
  closed: "Disconnected",
};

/** The live connection's state, visible and announced to screen readers. */
export function ConnectionBadge({ state, label = "Connection" }: { state: ConnectionState; label?: string }) {
  return (
    <span
      class={`conn conn-${state}`}
      role="status"
      aria-live="polite"
      aria-label={`${label}: ${STATE_TEXT[state]}`}
      data-state={state}
    >
      <span class="dot" aria-hidden="true" />
      {STATE_TEXT[state]}
    </span>
  );
}

/** An error for people: the problem's `detail`, and the invalid fields of a validation error. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (!error) return null;
  const detail = error instanceof Error ? error.message : String(error);
  const fields = error instanceof PlazaError ? error.fieldErrors : [];
  return (
    <div class="error" role="alert">
      <p>{detail}</p>
      {fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li key={f.path + f.message}>
              {f.path ? <strong>{f.path}: </strong> : null}
              {f.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 31_536_000],
  ["month", 2_592_000],
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
];

/** "5 minutes ago", with the exact time as a tooltip and machine-readable datetime. */
export function TimeAgo({ iso }: { iso: string }) {
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  const unit = UNITS.find(([, s]) => Math.abs(seconds) >= s);
  const text = unit ? rtf.format(Math.round(seconds / unit[1]), unit[0]) : "just now";
  return (
    <time dateTime={iso} title={new Date(iso).toLocaleString()}>
      {text}
    </time>
  );
}

/** A page section with a heading. */
export function Section({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  const headingId = `${id ?? title.toLowerCase().replace(/\W+/g, "-")}-heading`;
  return (
    <section aria-labelledby={headingId} class="card">
      <h2 id={headingId}>{title}</h2>
      {children}
    </section>
  );
}

// What the current attempt has produced so far, read back from the event log: the partial
// result a canceled task keeps (`partial: true`), and whether a retried stream must be marked
// `restarted` because its output was already streamed.
import type { JsonValue } from "../../src/protocol/json";

/** A partial result keeps at most this many characters of text (the log has all of it). */
const MAX_PARTIAL_CHARS = 100_000;

/** Output events of the latest attempt (those after its `assigned` event), oldest first. */
function attemptOutputs(storage: DurableObjectStorage): { text?: string; data?: JsonValue }[] {
  return storage.sql
    .exec<{ body: string }>(
      `SELECT body FROM events
       WHERE seq > (SELECT COALESCE(MAX(seq), 0) FROM events WHERE json_extract(body, '$.kind') = 'assigned')
         AND json_extract(body, '$.kind') = 'output'
       ORDER BY seq`,
    )
    .toArray()
    .map((r) => JSON.parse(r.body) as { text?: string; data?: JsonValue });
}

/** True when the latest attempt has streamed any output. */
export function attemptStreamed(storage: DurableObjectStorage): boolean {
  return (
    storage.sql
      .exec<{ n: number }>(
        `SELECT COUNT(*) AS n FROM events
         WHERE seq > (SELECT COALESCE(MAX(seq), 0) FROM events WHERE json_extract(body, '$.kind') = 'assigned')
           AND json_extract(body, '$.kind') = 'output'`,
      )
      .one().n > 0
  );
}

/**
 * The partial result of the latest attempt: `{text, partial: true}` for streamed text,
 * `{outputs, partial: true}` for job outputs, or undefined when it produced nothing.
 */
export function partialResult(storage: DurableObjectStorage): JsonValue | undefined {
  const outputs = attemptOutputs(storage);
  if (outputs.length === 0) return undefined;
  const texts = outputs.filter((o) => typeof o.text === "string").map((o) => o.text as string);
  if (texts.length > 0) {
    const text = texts.join("");
    return text.length > MAX_PARTIAL_CHARS
      ? { text: text.slice(0, MAX_PARTIAL_CHARS), partial: true, truncated: true }
      : { text, partial: true };
  }
  return { outputs: outputs.map((o) => o.data ?? null), partial: true };
}

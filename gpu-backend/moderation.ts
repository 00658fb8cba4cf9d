// The reference pre-publish moderation hook (docs/decisions/0073), served by the reference
// backend at POST /moderation so `npm start` runs it beside Plaza: a small classifier of the
// word-list kind. Request {kind, text, authorId, roomId?}; answer {action: "allow"|"reject"|"redact", body?}.
// Terms to reject and to redact come from PLAZA_HOOK_REJECT_TERMS / PLAZA_HOOK_REDACT_TERMS
// (comma-separated), normalized as Plaza's own word list normalizes them.
import type { ServerResponse } from "node:http";
import { compileWordList, normalizeText } from "../src/services/moderation/word-list.ts";

const DEFAULT_REJECT = "free crypto giveaway,click this link to win";
const DEFAULT_REDACT = "darn,heck";

const terms = (value: string | undefined, fallback: string) =>
  (value ?? fallback)
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);

const rejectList = compileWordList(terms(process.env.PLAZA_HOOK_REJECT_TERMS, DEFAULT_REJECT));
const redactWords = new Set(terms(process.env.PLAZA_HOOK_REDACT_TERMS, DEFAULT_REDACT).map(normalizeText));

/** The verdict on one text. */
export function classify(text: string): { action: "allow" | "reject" | "redact"; body?: string } {
  if (rejectList.match(text) !== undefined) return { action: "reject" };
  let redacted = false;
  // Whole words whose normalized form is a redact term become asterisks; spacing is kept.
  const body = text.replace(/[\p{L}\p{N}\p{M}]+/gu, (word) => {
    if (!redactWords.has(normalizeText(word))) return word;
    redacted = true;
    return "*".repeat([...word].length);
  });
  return redacted ? { action: "redact", body } : { action: "allow" };
}

/** Answers one hook request; a body without a string `text` is a 400. */
export function moderationHook(res: ServerResponse, body: unknown): void {
  const text = (body as { text?: unknown } | undefined)?.text;
  res.writeHead(typeof text === "string" ? 200 : 400, { "Content-Type": "application/json" });
  res.end(JSON.stringify(typeof text === "string" ? classify(text) : { error: "text is required" }));
}

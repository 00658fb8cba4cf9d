// Pre-publish moderation: every post, comment (and message) passes here before it is stored.
// First the word list (MODERATION_BLOCKED_TERMS), then, if configured, the hook
// (MODERATION_HOOK_URL): POST {kind, text, authorId, roomId?} -> {action: allow|reject|redact, body?}
// within MODERATION_HOOK_TIMEOUT_MS; a hook that fails or is late is allowed (fail-open) or
// refused (fail-closed) as MODERATION_HOOK_FAILURE says (docs/decisions/0073).
import { z } from "zod";
import type { ModerationSettings } from "../../config";
import { compileWordList, type WordList } from "./word-list";

export type { ModerationSettings };

export type ContentKind = "post" | "comment" | "message";

export interface ModerationInput {
  kind: ContentKind;
  text: string;
  authorId: string;
  roomId?: string | undefined;
}

/** What to store: the text (possibly redacted by the hook), or a refusal with the reason. */
export type Verdict =
  | { ok: true; text: string; redacted: boolean }
  | { ok: false; reason: "blocked_term" | "hook_rejected" | "hook_unavailable" };

const HookAnswerSchema = z.object({
  action: z.enum(["allow", "reject", "redact"]),
  body: z.string().min(1).max(100_000).optional(),
});

// One compiled list per distinct configuration (one in practice), kept per isolate.
const lists = new Map<string, WordList>();
function wordListOf(terms: readonly string[]): WordList {
  const key = terms.join("\u0000");
  let list = lists.get(key);
  if (!list) {
    list = compileWordList(terms);
    lists.set(key, list);
  }
  return list;
}

/** Asks the hook; undefined when it failed, answered nonsense, or was late. */
async function askHook(
  settings: ModerationSettings & { hookUrl: string },
  input: ModerationInput,
  fetchFn: typeof fetch,
): Promise<z.infer<typeof HookAnswerSchema> | undefined> {
  try {
    const res = await fetchFn(settings.hookUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(input),
      signal: AbortSignal.timeout(settings.hookTimeoutMs),
    });
    if (!res.ok) {
      await res.body?.cancel();
      return undefined;
    }
    const parsed = HookAnswerSchema.safeParse(await res.json());
    if (!parsed.success || (parsed.data.action === "redact" && parsed.data.body === undefined)) return undefined;
    return parsed.data;
  } catch {
    return undefined; // network error, timeout (AbortSignal), or a body that is not JSON
  }
}

/** Runs the moderation step on one piece of content. Never throws. */
export async function moderate(
  settings: ModerationSettings,
  input: ModerationInput,
  fetchFn: typeof fetch = fetch,
): Promise<Verdict> {
  if (wordListOf(settings.blockedTerms).match(input.text) !== undefined) return { ok: false, reason: "blocked_term" };
  if (!settings.hookUrl) return { ok: true, text: input.text, redacted: false };
  const answer = await askHook({ ...settings, hookUrl: settings.hookUrl }, input, fetchFn);
  if (!answer) {
    return settings.hookFailure === "closed"
      ? { ok: false, reason: "hook_unavailable" }
      : { ok: true, text: input.text, redacted: false };
  }
  if (answer.action === "reject") return { ok: false, reason: "hook_rejected" };
  if (answer.action === "redact" && answer.body !== undefined) return { ok: true, text: answer.body, redacted: true };
  return { ok: true, text: input.text, redacted: false };
}

/** The detail of a refusal, as clients see it (`moderated`). */
export function refusalDetail(reason: Exclude<Verdict, { ok: true }>["reason"]): string {
  switch (reason) {
    case "blocked_term":
      return "The content contains a blocked term.";
    case "hook_rejected":
      return "The content was refused by moderation.";
    case "hook_unavailable":
      return "Moderation is unavailable; try again shortly.";
  }
}

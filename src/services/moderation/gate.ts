// The pre-publish step as the HTTP routes use it: the text to store, or 422 `moderated`.
import type { ModerationSettings } from "../../config";
import { errors } from "../../errors";
import { type ModerationInput, moderate, refusalDetail } from "./prepublish";

/** Runs moderation on `input`; returns the text to store (the hook may redact it) or throws 422 `moderated`. */
export async function moderatedText(settings: ModerationSettings, input: ModerationInput): Promise<string> {
  const verdict = await moderate(settings, input);
  if (!verdict.ok) throw errors.moderated(refusalDetail(verdict.reason));
  return verdict.text;
}

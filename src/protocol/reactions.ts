// Reactions on room messages (API.md "Reactions"): what an emoji may be and how many a message
// carries (the summary and the `reaction` frame are in protocol.ts with the other frames).
// Shared by the Worker and the Room object; imports nothing of Plaza's.
import { z } from "zod";

/** Distinct emoji one message may carry. */
export const MAX_REACTIONS_PER_MESSAGE = 20;

/** The `:shortcode:`s a client may react with besides a literal emoji (a fixed set: clients render them). */
export const REACTION_SHORTCODES = [
  ":thumbsup:",
  ":thumbsdown:",
  ":heart:",
  ":laughing:",
  ":tada:",
  ":eyes:",
  ":rocket:",
  ":fire:",
  ":pray:",
  ":clap:",
  ":thinking:",
  ":100:",
] as const;

const SHORTCODES: ReadonlySet<string> = new Set(REACTION_SHORTCODES);
/** The longest emoji sequences (ZWJ families with skin tones) are well under this many UTF-16 units. */
const MAX_EMOJI_UNITS = 32;
const PICTOGRAPH = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u;
const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** True when `text` is one emoji grapheme or a known `:shortcode:`. */
export function isReactionEmoji(text: string): boolean {
  if (SHORTCODES.has(text)) return true;
  if (text.length === 0 || text.length > MAX_EMOJI_UNITS || !PICTOGRAPH.test(text)) return false;
  let count = 0;
  for (const _ of graphemes.segment(text)) if (++count > 1) return false;
  return count === 1;
}

export const ReactionEmojiSchema = z
  .string()
  .refine(isReactionEmoji, { message: "Expected one emoji or a known :shortcode:." })
  .meta({ description: "One emoji (a single grapheme) or a `:shortcode:` of the fixed set", example: "👍" });

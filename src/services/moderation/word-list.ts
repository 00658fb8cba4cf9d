// The word-list step of pre-publish moderation: text and terms are normalized the same way
// (Unicode compatibility forms, case, accents, punctuation and spacing), and a term matches
// whole words of the text. Pure: the Worker and the room objects share it.

/** Lower case, NFKC (fullwidth and styled letters become plain), accents dropped, runs of non-letters one space. */
export function normalizeText(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** A compiled word list: matching is one scan of the normalized text per call. */
export interface WordList {
  /** The first blocked term found in `text`, or undefined. */
  match(text: string): string | undefined;
  size: number;
}

/**
 * Compiles terms (each one or more words) into a matcher of whole normalized words: "spam"
 * blocks "SPAM!" and "Späm", not "spammer". Single-word terms are a set lookup per word;
 * phrases are checked as space-delimited substrings.
 */
export function compileWordList(terms: readonly string[]): WordList {
  const words = new Set<string>();
  const phrases: string[] = [];
  for (const term of terms) {
    const normal = normalizeText(term);
    if (!normal) continue;
    if (normal.includes(" ")) phrases.push(` ${normal} `);
    else words.add(normal);
  }
  const size = words.size + phrases.length;
  return {
    size,
    match(text) {
      if (size === 0) return undefined;
      const normal = normalizeText(text);
      if (words.size > 0) {
        for (const word of normal.split(" ")) if (words.has(word)) return word;
      }
      if (phrases.length > 0) {
        const padded = ` ${normal} `;
        for (const phrase of phrases) if (padded.includes(phrase)) return phrase.trim();
      }
      return undefined;
    },
  };
}

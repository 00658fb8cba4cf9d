// The reference backend's text generator: DETERMINISTIC, NOT A LANGUAGE MODEL. It echoes the
// prompt's opening and continues with words chosen by a PRNG seeded from the prompt, so the
// same request always streams the same tokens. Point Plaza at vLLM or Ollama for real models.

export const MODEL_ID = "plaza-echo-1";
export const MODEL_NOTE = "deterministic text generator for testing (not a language model)";

const VOCABULARY = (
  "the a plaza queue stream token backend task worker durable object edge socket event result " +
  "progress signal latency batch retry breaker capacity request response message channel room " +
  "quiet bright swift steady careful open honest small simple clear"
).split(" ");

/** FNV-1a 32-bit hash of a string. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** mulberry32: a tiny seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Generation {
  tokens: string[];
  finishReason: "stop" | "length";
  promptTokens: number;
}

/**
 * The tokens (words with their trailing space) generated for `prompt`, at most `maxTokens`.
 * It stops by itself after 24-63 words, unless the prompt contains the word "long": then it
 * runs to `maxTokens` (tests and demos use that for long streams).
 */
export function generate(prompt: string, maxTokens: number): Generation {
  const words = prompt.trim().split(/\s+/).filter(Boolean);
  const random = prng(hash(prompt));
  const natural = /\blong\b/i.test(prompt) ? maxTokens + 1 : 24 + Math.floor(random() * 40);
  const out = ["Echo:", ...words.slice(0, 8)];
  while (out.length < natural) out.push(VOCABULARY[Math.floor(random() * VOCABULARY.length)] ?? "token");
  const tokens = out.map((w) => `${w} `);
  const finishReason = tokens.length > maxTokens ? "length" : "stop";
  return { tokens: tokens.slice(0, maxTokens), finishReason, promptTokens: words.length };
}

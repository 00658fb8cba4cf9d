// `#tags` in post text: letters, digits and _ (any script), 1-50 characters, compared lowercase.
const TAG_RE = /(?:^|[^\p{L}\p{N}_#&])#([\p{L}\p{N}_]{1,50})(?![\p{L}\p{N}_])/gu;

/** At most this many tags of one post are indexed. */
export const MAX_TAGS_PER_POST = 10;

/** The distinct tags of `text`, lowercase, in order of appearance (at most 10). */
export function tagsIn(text: string): string[] {
  const tags = new Set<string>();
  for (const match of text.matchAll(TAG_RE)) {
    const tag = match[1]?.toLowerCase();
    if (tag && !/^\d+$/.test(tag)) tags.add(tag);
    if (tags.size === MAX_TAGS_PER_POST) break;
  }
  return [...tags];
}

/** A tag as a path parameter: the same characters, any case (compared lowercase). */
export const TAG_PATTERN = /^[\p{L}\p{N}_]{1,50}$/u;

// Post search: SQLite FTS5 in D1 (posts_fts, kept in step with posts by triggers: created,
// edited and soft-deleted posts are indexed, re-indexed and removed in the same transaction
// as the write). The query is the user's words, each quoted (no FTS syntax reaches SQLite),
// all required; the last word also matches as a prefix. Posts come through the caches.
import { sql } from "drizzle-orm";
import { statement } from "../db/statements";
import { decodeCursor, encodeCursor } from "../lib/cursor";
import { errors } from "../errors";
import { z } from "zod";
import type { FeedContext } from "./feed-context";
import type { PostView } from "./post-query";
import { resolvePosts } from "./post-resolve";

export interface SnippetPart {
  text: string;
  match: boolean;
}

const OPEN = "\u0001";
const CLOSE = "\u0002";
const CursorSchema = z.object({ k: z.literal("search"), q: z.string(), o: z.number().int().min(0).max(10_000) });

/** The FTS5 query for `q`: each word quoted, AND-ed; the last one a prefix. Undefined when no word is left. */
export function ftsQuery(q: string): string | undefined {
  const words = q
    .normalize("NFC")
    .split(/[^\p{L}\p{N}_]+/u)
    .filter(Boolean)
    .slice(0, 10);
  if (words.length === 0) return undefined;
  return words.map((w, i) => `"${w}"${i === words.length - 1 ? "*" : ""}`).join(" ");
}

function snippetParts(marked: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  for (const [i, chunk] of marked.split(OPEN).entries()) {
    if (i === 0) {
      if (chunk) parts.push({ text: chunk, match: false });
      continue;
    }
    const [hit = "", rest = ""] = chunk.split(CLOSE);
    if (hit) parts.push({ text: hit, match: true });
    if (rest) parts.push({ text: rest, match: false });
  }
  return parts;
}

/** Live posts matching `q`, best first, each with a snippet of its text around the match. */
export async function searchPosts(
  f: FeedContext,
  q: string,
  viewerId: string | undefined,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ items: { post: PostView; snippet: SnippetPart[] }[]; nextCursor: string | null }> {
  const match = ftsQuery(q);
  if (match === undefined) throw errors.validation([{ path: "q", message: "Search for at least one word." }]);
  const cursor = page.cursor === undefined ? undefined : decodeCursor(page.cursor, CursorSchema);
  if (page.cursor !== undefined && (cursor === undefined || cursor.q !== q)) throw errors.invalidCursor();
  const offset = cursor?.o ?? 0;
  const result = await f.db.$client.batch([
    statement(
      f.db,
      sql`SELECT p.id AS id, snippet(posts_fts, 0, ${OPEN}, ${CLOSE}, '…', 16) AS snippet
        FROM posts_fts JOIN posts p ON p.rowid = posts_fts.rowid
        WHERE posts_fts MATCH ${match} AND p.deleted_at IS NULL
        ORDER BY posts_fts.rank LIMIT ${page.limit + 1} OFFSET ${offset}`,
    ),
  ]);
  const rows = (result[0]?.results ?? []) as { id: string; snippet: string }[];
  const shown = rows.slice(0, page.limit);
  const { views } = await resolvePosts(
    f,
    shown.map((r) => r.id),
    viewerId,
  );
  return {
    items: shown.flatMap((r) => {
      const post = views.get(r.id);
      return post ? [{ post, snippet: snippetParts(r.snippet) }] : [];
    }),
    nextCursor: rows.length > page.limit ? encodeCursor({ k: "search", q, o: offset + page.limit }) : null,
  };
}

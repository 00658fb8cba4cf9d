// Finding posts and people: a tag's posts (#/tags/<tag>), search results (#/search/<words>):
// people by name, posts with the matched words marked; the header's search box, and trending
// tags (API.md "Tags and search").
import { useEffect, useState } from "preact/hooks";
import { type components, type Post, unwrap } from "../sdk";
import { client } from "./live";
import { PeopleSearch } from "./people-search";
import { PostCard } from "./post-card";
import { href, navigate } from "./router";
import { ErrorMessage } from "./ui";

type SearchHit = components["schemas"]["PostSearchResult"]["items"][number];

/** The header's search box: Enter shows the results page. */
export function SearchBox() {
  const [q, setQ] = useState("");
  return (
    <search class="search">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (q.trim()) navigate({ name: "search", q: q.trim() });
        }}
      >
        <label>
          <span class="sr-only">Search posts and people</span>
          <input
            type="search"
            value={q}
            onInput={(e) => setQ(e.currentTarget.value)}
            placeholder="Search posts and people"
          />
        </label>
      </form>
    </search>
  );
}

function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | null; error: unknown } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    setData(null);
    setError(null);
    load().then(
      (d) => live && setData(d),
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, deps);
  return { data, error };
}

/** The posts with one #tag. */
export function TagScreen({ tag }: { tag: string }) {
  const { data, error } = useLoad(
    () => unwrap(client.api.GET("/v1/tags/{tag}/posts", { params: { path: { tag }, query: { limit: 50 } } })),
    [tag],
  );
  return (
    <main id="main" class="feed">
      <h1>#{tag}</h1>
      <ErrorMessage error={error} />
      {data === null && !error && <p role="status">Loading…</p>}
      {data?.items.length === 0 && <p class="muted">No posts with #{tag} yet.</p>}
      <div class="posts">
        {data?.items.map((p: Post) => (
          <PostCard key={p.id} post={p} />
        ))}
      </div>
    </main>
  );
}

/** Search results, best first, each with its snippet. */
export function SearchScreen({ q }: { q: string }) {
  const { data, error } = useLoad(
    () => unwrap(client.api.GET("/v1/search/posts", { params: { query: { q, limit: 30 } } })),
    [q],
  );
  return (
    <main id="main" class="feed">
      <h1>Search: {q}</h1>
      <PeopleSearch initial={q} />
      <h2>Posts</h2>
      <ErrorMessage error={error} />
      {data === null && !error && <p role="status">Searching…</p>}
      {data?.items.length === 0 && <p class="muted">No posts match.</p>}
      <div class="posts" aria-label="Search results">
        {data?.items.map((hit: SearchHit) => (
          <section key={hit.post.id} class="hit">
            <p class="snippet muted">
              {hit.snippet.map((part, i) => (part.match ? <mark key={i}>{part.text}</mark> : part.text))}
            </p>
            <PostCard post={hit.post} />
          </section>
        ))}
      </div>
    </main>
  );
}

/** Trending tags as links (shown above the feed). */
export function TrendingTags() {
  const { data } = useLoad(() => unwrap(client.api.GET("/v1/tags/trending")), []);
  if (!data || data.items.length === 0) return null;
  return (
    <nav aria-label="Trending tags" class="trending row">
      <span class="muted">Trending:</span>
      {data.items.slice(0, 8).map((t) => (
        <a key={t.tag} href={href({ name: "tag", tag: t.tag })} class="tag">
          #{t.tag}
        </a>
      ))}
    </nav>
  );
}

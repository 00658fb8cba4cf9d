// The feed: newest, following and hot tabs, a composer with image upload, infinite scroll.
import { useEffect, useRef, useState } from "preact/hooks";
import { type Post, type PostStats, unwrap } from "../sdk";
import { client, me } from "./live";
import { TrendingTags } from "./discovery";
import { useNewPosts } from "./new-posts";
import { PostCard } from "./post-card";
import { href } from "./router";
import { useStore } from "./store";
import { ErrorMessage } from "./ui";

type Tab = "newest" | "following" | "hot";
const TABS: { tab: Tab; label: string }[] = [
  { tab: "newest", label: "Newest" },
  { tab: "following", label: "Following" },
  { tab: "hot", label: "Hot" },
];
const PAGE = 10;
const MAX_IMAGES = 9;

async function loadPage(tab: Tab, cursor: string | null): Promise<{ items: Post[]; nextCursor: string | null }> {
  const query = { limit: PAGE, ...(cursor ? { cursor } : {}) };
  if (tab === "hot") {
    const hot = await unwrap(client.api.GET("/v1/feed/hot"));
    return { items: hot.items, nextCursor: null };
  }
  if (tab === "following") return unwrap(client.api.GET("/v1/feed/following", { params: { query } }));
  return unwrap(client.api.GET("/v1/feed", { params: { query } }));
}

/** The feed screen. */
export function FeedScreen({ tab }: { tab: Tab }) {
  const [posts, setPosts] = useState<Post[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const generation = useRef(0);
  const sentinel = useRef<HTMLDivElement>(null);
  const user = useStore(me);
  const live = useLiveStats(posts);
  const fresh = useNewPosts(tab === "hot" ? null : tab, posts[0]?.id);

  const more = async (reset = false) => {
    if (loading && !reset) return;
    const gen = reset ? ++generation.current : generation.current;
    setLoading(true);
    setError(null);
    try {
      const page = await loadPage(tab, reset ? null : cursor);
      if (gen !== generation.current) return;
      setPosts((old) => (reset ? page.items : [...old, ...page.items.filter((p) => !old.some((o) => o.id === p.id))]));
      setCursor(page.nextCursor);
      setDone(page.nextCursor === null);
    } catch (err) {
      if (gen === generation.current) setError(err);
    } finally {
      if (gen === generation.current) setLoading(false);
    }
  };

  useEffect(() => {
    setPosts([]);
    setCursor(null);
    setDone(false);
    void more(true);
  }, [tab]);

  // Infinite scroll: load the next page when the end of the list comes into view.
  useEffect(() => {
    const el = sentinel.current;
    if (!el || done || loading || error) return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && void more());
    io.observe(el);
    return () => io.disconnect();
  }, [done, loading, error, cursor, tab]);

  return (
    <main id="main" class="feed">
      <h1 class="sr-only">Feed</h1>
      <nav aria-label="Feed" class="tabs">
        {TABS.map((t) => (
          <a key={t.tab} href={href({ name: "feed", tab: t.tab })} aria-current={t.tab === tab ? "page" : undefined}>
            {t.label}
          </a>
        ))}
      </nav>
      {user && <Composer onPosted={(p) => setPosts((old) => [p, ...old])} />}
      <TrendingTags />
      {fresh.length > 0 && (
        <button
          type="button"
          class="new-posts"
          onClick={() => setPosts((old) => [...fresh, ...old.filter((o) => !fresh.some((f) => f.id === o.id))])}
        >
          {fresh.length === 1 ? "1 new post" : `${fresh.length} new posts`}
        </button>
      )}
      {tab === "hot" && <p class="muted">The hot list is scored every few minutes from likes, comments and views.</p>}
      <div class="posts" aria-busy={loading}>
        {posts.map((p) => (
          <PostCard key={p.id} post={p} live={live.get(p.id)} />
        ))}
      </div>
      <ErrorMessage error={error} />
      {!done && !error && (
        <div ref={sentinel} class="more">
          <button type="button" onClick={() => void more()} disabled={loading}>
            {loading ? "Loading…" : "Load more posts"}
          </button>
        </div>
      )}
      {error !== null && (
        <button type="button" onClick={() => void more(posts.length === 0)}>
          Try again
        </button>
      )}
      {done && posts.length === 0 && !loading && <p class="muted">No posts here yet.</p>}
    </main>
  );
}

/** Live counters of the first 50 posts shown (GET /v1/feed/live through the SDK's PostWatcher). */
function useLiveStats(posts: Post[]): Map<string, PostStats> {
  const [stats, setStats] = useState<Map<string, PostStats>>(new Map());
  const watcher = useRef<ReturnType<typeof client.watchPosts> | null>(null);
  useEffect(() => {
    const w = client.watchPosts();
    watcher.current = w;
    const off = w.on("stats", (id, s) => setStats((old) => new Map(old).set(id, s)));
    return () => {
      off();
      w.close();
      watcher.current = null;
    };
  }, []);
  useEffect(() => watcher.current?.watch(posts.map((p) => p.id)), [posts]);
  return stats;
}

/** Write a post, optionally with images (uploaded first, then referenced by URL). */
function Composer({ onPosted }: { onPosted: (post: Post) => void }) {
  const [text, setText] = useState("");
  const [files, setFiles] = useState<File[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  // One key per post being written: a retry after a lost answer returns the same post.
  const idempotencyKey = useRef(crypto.randomUUID());

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const images: string[] = [];
      for (const file of files) images.push((await client.uploadMedia(file)).url);
      const post = await unwrap(
        client.api.POST("/v1/posts", {
          body: { content: text, ...(images.length > 0 ? { images } : {}) },
          params: { header: { "idempotency-key": idempotencyKey.current } },
        }),
      );
      onPosted(post);
      setText("");
      setFiles([]);
      if (fileInput.current) fileInput.current.value = "";
      idempotencyKey.current = crypto.randomUUID();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card stack composer" onSubmit={submit} aria-label="New post">
      <label>
        <span class="sr-only">What's happening?</span>
        <textarea
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          placeholder="What's happening?"
          rows={3}
          maxLength={5000}
          required
        />
      </label>
      <div class="row">
        <label class="file">
          Add images
          <input
            ref={fileInput}
            type="file"
            accept="image/png,image/jpeg,image/gif,image/webp,image/avif"
            multiple
            onChange={(e) => setFiles([...(e.currentTarget.files ?? [])].slice(0, MAX_IMAGES))}
          />
        </label>
        {files.length > 0 && (
          <span class="muted" aria-live="polite">
            {files.length} image{files.length === 1 ? "" : "s"} selected
          </span>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Posting…" : "Post"}
        </button>
      </div>
      <ErrorMessage error={error} />
    </form>
  );
}

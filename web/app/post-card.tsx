// One post: author, text, images, like (with its count), and comments on demand.
import { useEffect, useState } from "preact/hooks";
import { type Comment, type Post, type PostStats, unwrap } from "../sdk";
import { PostText } from "./post-text";
import { client, me } from "./live";
import { href } from "./router";
import { ReportButton } from "./report";
import { useStore } from "./store";
import { ErrorMessage, TimeAgo } from "./ui";

/** A post in a feed; `live` counters (from the feed's live stream) replace the shown ones as they change. */
export function PostCard({ post: initial, live }: { post: Post; live?: PostStats | undefined }) {
  const [post, setPost] = useState(initial);
  useEffect(() => {
    if (live) setPost((p) => ({ ...p, stats: live }));
  }, [live]);
  const [error, setError] = useState<unknown>(null);
  const [showComments, setShowComments] = useState(false);
  const user = useStore(me);
  const name = post.author.displayName || post.author.username;

  const toggleLike = async () => {
    setError(null);
    const liked = !post.likedByMe;
    try {
      const call = liked
        ? client.api.POST("/v1/posts/{id}/like", { params: { path: { id: post.id } } })
        : client.api.DELETE("/v1/posts/{id}/like", { params: { path: { id: post.id } } });
      const result = await unwrap(call);
      setPost((p) => ({ ...p, likedByMe: result.liked, stats: { ...p.stats, likes: result.likes } }));
    } catch (err) {
      setError(err);
    }
  };

  return (
    <article class="card post" aria-labelledby={`post-${post.id}-author`} data-post-id={post.id}>
      <header class="post-head">
        <a id={`post-${post.id}-author`} href={href({ name: "user", id: post.author.id })} class="author">
          {name} <span class="muted">@{post.author.username}</span>
        </a>
        <TimeAgo iso={post.createdAt} />
      </header>
      <p class="post-body">
        <PostText text={post.content} />
      </p>
      {post.images.length > 0 && (
        <div class="images">
          {post.images.map((src, i) => (
            <img key={src} src={src} alt={`Image ${i + 1} of ${post.images.length} in ${name}'s post`} loading="lazy" />
          ))}
        </div>
      )}
      <footer class="post-actions">
        <button
          type="button"
          class={`like${post.likedByMe ? " on" : ""}`}
          aria-pressed={post.likedByMe ?? false}
          disabled={!user}
          onClick={toggleLike}
          aria-label={`${post.likedByMe ? "Unlike" : "Like"} (${post.stats.likes} likes)`}
        >
          <span aria-hidden="true">{post.likedByMe ? "♥" : "♡"}</span> <span class="count">{post.stats.likes}</span>
        </button>
        <button type="button" aria-expanded={showComments} onClick={() => setShowComments((s) => !s)}>
          Comments ({post.stats.comments})
        </button>
        {user && user.id !== post.author.id && (
          <ReportButton target={{ kind: "post", id: post.id }} what={`${name}'s post`} />
        )}
      </footer>
      <ErrorMessage error={error} />
      {showComments && (
        <Comments
          postId={post.id}
          onAdded={() => setPost((p) => ({ ...p, stats: { ...p.stats, comments: p.stats.comments + 1 } }))}
        />
      )}
    </article>
  );
}

function Comments({ postId, onAdded }: { postId: string; onAdded: () => void }) {
  const [items, setItems] = useState<Comment[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [text, setText] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const user = useStore(me);

  const load = async (after: string | null) => {
    try {
      const page = await unwrap(
        client.api.GET("/v1/posts/{id}/comments", {
          params: { path: { id: postId }, query: { limit: 20, ...(after ? { cursor: after } : {}) } },
        }),
      );
      setItems((old) => [...(after ? (old ?? []) : []), ...page.items]);
      setCursor(page.nextCursor);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => void load(null), [postId]);

  const add = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const comment = await unwrap(
        client.api.POST("/v1/posts/{id}/comments", { params: { path: { id: postId } }, body: { content: text } }),
      );
      setItems((old) => [...(old ?? []), comment]);
      setText("");
      onAdded();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="comments">
      {items === null && !error && <p class="muted">Loading comments…</p>}
      <ul aria-label="Comments">
        {(items ?? []).map((c) => (
          <li key={c.id}>
            <strong>{c.author.displayName || c.author.username}</strong> {c.content} <TimeAgo iso={c.createdAt} />
            {user && user.id !== c.author.id && (
              <ReportButton target={{ kind: "comment", id: c.id }} what={`${c.author.username}'s comment`} />
            )}
          </li>
        ))}
      </ul>
      {cursor && (
        <button type="button" onClick={() => void load(cursor)}>
          More comments
        </button>
      )}
      {user && (
        <form onSubmit={add} class="row">
          <label class="grow">
            <span class="sr-only">Write a comment</span>
            <input
              value={text}
              onInput={(e) => setText(e.currentTarget.value)}
              placeholder="Write a comment"
              required
              maxLength={2000}
            />
          </label>
          <button type="submit" disabled={busy}>
            Comment
          </button>
        </form>
      )}
      <ErrorMessage error={error} />
    </div>
  );
}

// Idempotent demo feed data: posts (created with an Idempotency-Key, so a second run returns
// the same posts), likes (idempotent by nature), a comment, and a primed hot list.

export interface DemoSession {
  accessToken: string;
  user: { id: string; username: string };
}

const DEMO_POSTS: { author: number; key: string; content: string; likedBy: number[] }[] = [
  { author: 0, key: "demo-post-1", content: "Hello Plaza! First post from the edge.", likedBy: [1, 2] },
  { author: 1, key: "demo-post-2", content: "Built a shed today. Tomorrow: a bigger shed.", likedBy: [0, 2] },
  { author: 2, key: "demo-post-3", content: "Higher, further, faster.", likedBy: [0, 1, 2] },
  { author: 0, key: "demo-post-4", content: "Down the rabbit hole with Durable Objects.", likedBy: [2] },
  { author: 1, key: "demo-post-5", content: "Can we fix it? Yes we can (with a queue).", likedBy: [] },
];

async function request(
  base: string,
  method: string,
  path: string,
  token: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`seeding ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : ((await res.json()) as Record<string, unknown>);
}

/** Loads demo posts, likes and a comment; waits for the counters, then primes the hot list. */
export async function seedFeed(base: string, sessions: DemoSession[]): Promise<void> {
  const posts: { id: string; likes: number }[] = [];
  for (const p of DEMO_POSTS) {
    const author = sessions[p.author]!;
    const post = await request(
      base,
      "POST",
      "/v1/posts",
      author.accessToken,
      { content: p.content },
      { "Idempotency-Key": p.key },
    );
    const id = String(post?.id);
    for (const fan of p.likedBy) await request(base, "POST", `/v1/posts/${id}/like`, sessions[fan]!.accessToken);
    posts.push({ id, likes: p.likedBy.length });
  }
  const first = posts[0]!;
  const comments = await request(base, "GET", `/v1/posts/${first.id}/comments?limit=1`, sessions[1]!.accessToken);
  if (Array.isArray(comments?.items) && comments.items.length === 0) {
    await request(base, "POST", `/v1/posts/${first.id}/comments`, sessions[1]!.accessToken, {
      content: "Welcome aboard!",
    });
  }
  // Likes are counted by the EVENTS consumer (batches of up to 5 s); wait before scoring.
  const deadline = Date.now() + 20_000;
  for (const post of posts) {
    while (Date.now() < deadline) {
      const seen = await request(base, "GET", `/v1/posts/${post.id}`, sessions[0]!.accessToken);
      if ((seen?.stats as { likes?: number } | undefined)?.likes === post.likes) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const hot = await request(base, "GET", "/v1/feed/hot", sessions[0]!.accessToken);
  const hotCount = Array.isArray(hot?.items) ? hot.items.length : 0;
  console.log(`[seed] demo feed: ${posts.length} posts with likes; hot list has ${hotCount} posts`);
}

// GET /v1/feed/live (decision 0076): the counters of watched posts as Server-Sent Events, at
// once and then on each change (the EVENTS consumer's batches reach the stream through KV).
import { describe, expect, it } from "vitest";
import { call, expectProblem, registerUser } from "../support/api";
import { createPost } from "../support/feed";

interface Frame {
  type: "post";
  id: string;
  stats: { likes: number; comments: number; views: number };
}

/** Reads `data:` frames from an event stream until `done` holds or `ms` pass. */
async function readFrames(res: Response, done: (frames: Frame[]) => boolean, ms: number): Promise<Frame[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const frames: Frame[] = [];
  let buffer = "";
  const deadline = Date.now() + ms;
  try {
    while (!done(frames) && Date.now() < deadline) {
      const next = await Promise.race([
        reader.read(),
        new Promise<undefined>((r) => setTimeout(() => r(undefined), Math.max(0, deadline - Date.now()))),
      ]);
      if (!next || next.done) break;
      buffer += decoder.decode(next.value, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const line of event.split("\n")) {
          if (line.startsWith("data: ")) frames.push(JSON.parse(line.slice(6)) as Frame);
        }
        end = buffer.indexOf("\n\n");
      }
    }
  } finally {
    await reader.cancel();
  }
  return frames;
}

describe("live counts (GET /v1/feed/live)", () => {
  it("sends the watched posts' counters at once, then their changes, coalesced", async () => {
    const author = await registerUser("live");
    const likers = await Promise.all([registerUser("live"), registerUser("live"), registerUser("live")]);
    const [watched, other] = [await createPost(author, "watched"), await createPost(author, "not watched")];
    const res = await call(`/v1/feed/live?ids=${watched.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("text/event-stream");
    const reading = readFrames(res, (f) => f.some((x) => x.stats.likes === 3), 20_000);
    for (const u of likers) {
      await call(`/v1/posts/${watched.id}/like`, { method: "POST", token: u.accessToken });
      await call(`/v1/posts/${other.id}/like`, { method: "POST", token: u.accessToken });
    }
    const frames = await reading;
    expect(frames[0]).toEqual({ type: "post", id: watched.id, stats: { likes: 0, comments: 0, views: 0 } });
    expect(frames.at(-1)?.stats.likes).toBe(3);
    expect(frames.every((f) => f.id === watched.id)).toBe(true);
    // Only changes are sent: no two frames in a row carry the same counters.
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.stats).not.toEqual(frames[i - 1]!.stats);
  });

  it("refuses more than 50 ids, malformed ids and an empty list", async () => {
    const many = Array.from({ length: 51 }, () => crypto.randomUUID()).join(",");
    for (const query of [`ids=${many}`, "ids=nope", "ids=", ""]) {
      await expectProblem(await call(`/v1/feed/live?${query}`), 400, "validation_failed");
    }
  });

  it("a deleted or unknown post sends nothing; the stream stays open for the others", async () => {
    const author = await registerUser("livedel");
    const post = await createPost(author, "short-lived");
    await call(`/v1/posts/${post.id}`, { method: "DELETE", token: author.accessToken });
    const res = await call(`/v1/feed/live?ids=${post.id},${crypto.randomUUID()}`);
    expect(res.status).toBe(200);
    expect(await readFrames(res, () => false, 2_500)).toEqual([]);
  });
});

// Helpers for feed tests: posts, images and waiting for the EVENTS consumer.
import { expect } from "vitest";
import { call, json, type TestUser } from "./api";

export interface Post {
  id: string;
  author: { id: string; username: string; displayName: string };
  content: string;
  images: string[];
  createdAt: string;
  updatedAt: string;
  stats: { likes: number; comments: number; views: number };
  likedByMe?: boolean;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Creates a post as `user` and returns it. */
export async function createPost(
  user: TestUser,
  content = `post ${crypto.randomUUID()}`,
  images?: string[],
): Promise<Post> {
  const res = await call("/v1/posts", { token: user.accessToken, body: images ? { content, images } : { content } });
  expect(res.status, await res.clone().text()).toBe(201);
  return json<Post>(res);
}

/** Reads a post (counts a view), returning the response too for its headers. */
export async function getPost(id: string, user?: TestUser): Promise<{ res: Response; post: Post }> {
  const res = await call(`/v1/posts/${id}`, { token: user?.accessToken });
  expect(res.status, await res.clone().text()).toBe(200);
  return { res, post: await json<Post>(res) };
}

/** Polls `read` until `done` holds or `timeoutMs` passes; returns the last value. */
export async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A tiny but real PNG (1x1, transparent). */
export const PNG_1X1 = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="),
  (ch) => ch.charCodeAt(0),
);

/** Uploads `bytes` as an image and returns its URL. */
export async function uploadImage(
  user: TestUser,
  bytes: Uint8Array = PNG_1X1,
  contentType = "image/png",
): Promise<string> {
  const res = await call("/v1/media", {
    token: user.accessToken,
    body: bytes,
    headers: { "Content-Type": contentType },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await json<{ url: string }>(res)).url;
}

/**
 * Makes the next requests run as in a fresh isolate at the same location: this isolate's
 * copies of posts, live states, callers' likes and feed pages are forgotten (KV stays).
 */
export async function freshIsolate(): Promise<void> {
  const [{ forgetAllPosts }, { forgetIsolateLiveCopies }, { forgetPageCopies }] = await Promise.all([
    import("../../src/services/post-cache"),
    import("../../src/services/post-live"),
    import("../../src/services/feed"),
  ]);
  forgetAllPosts();
  forgetIsolateLiveCopies();
  forgetPageCopies();
}

// The EVENTS consumer for post.* events: batches with duplicates, redelivered batches, an
// injected D1 failure mid-batch, poison messages, and the whole path through the real queue.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { call, json, registerUser, type TestUser } from "../support/api";
import { createPost, waitFor } from "../support/feed";

async function stats(postId: string) {
  return env.DB.prepare("SELECT likes, comments, views FROM post_stats WHERE post_id = ?")
    .bind(postId)
    .first<{ likes: number; comments: number; views: number }>();
}

let seq = 0;
const message = (body: unknown, attempts = 1) => ({ id: `m${++seq}`, timestamp: new Date(), attempts, body });
const view = (postId: string, id = crypto.randomUUID()) => ({ type: "post.viewed", id, postId, at: Date.now() });
const liked = (postId: string, userId: string) => ({
  type: "post.liked",
  id: crypto.randomUUID(),
  postId,
  userId,
  at: Date.now(),
});

async function deliver(messages: ReturnType<typeof message>[]) {
  const batch = createMessageBatch("plaza-events", messages);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

const like = (user: TestUser, postId: string, method = "POST") =>
  call(`/v1/posts/${postId}/like`, { method, token: user.accessToken });

describe("post events consumer", () => {
  it("duplicates in a batch and a redelivered batch leave exact counts", async () => {
    const author = await registerUser("ev");
    const fans = await Promise.all([registerUser("ev"), registerUser("ev"), registerUser("ev")]);
    const post = await createPost(author);
    for (const fan of fans) expect((await like(fan, post.id)).status).toBe(200);

    const views = [view(post.id), view(post.id), view(post.id)];
    const events = [
      ...views,
      views[1]!,
      views[1]!,
      ...fans.map((f) => liked(post.id, f.user.id)),
      liked(post.id, fans[0]!.user.id),
    ];
    const first = await deliver(events.map((e) => message(e)));
    expect(first.retryMessages).toEqual([]);
    expect(first.explicitAcks).toHaveLength(events.length);
    expect(await stats(post.id)).toEqual({ likes: 3, comments: 0, views: 3 });

    // The same events again (a redelivery after a lost ack): nothing changes.
    const again = await deliver(events.map((e) => message(e, 2)));
    expect(again.explicitAcks).toHaveLength(events.length);
    expect(await stats(post.id)).toEqual({ likes: 3, comments: 0, views: 3 });
  });

  it("a view event that stands for several views adds its count once, even repeated or redelivered", async () => {
    const author = await registerUser("tally");
    const post = await createPost(author);
    const five = { ...view(post.id), count: 5 };
    const two = { ...view(post.id), count: 2 };
    const first = await deliver([five, five, two].map((e) => message(e)));
    expect(first.explicitAcks).toHaveLength(3);
    expect(await stats(post.id)).toMatchObject({ views: 7 });
    await deliver([five, two].map((e) => message(e, 2)));
    expect(await stats(post.id)).toMatchObject({ views: 7 });
    const zero = message({ ...view(post.id), count: 0 });
    expect((await deliver([zero])).explicitAcks).toEqual([zero.id]); // poison: dead-lettered, not counted
    expect(await stats(post.id)).toMatchObject({ views: 7 });
  });

  it("an injected D1 failure mid-batch changes nothing; the retry applies each event exactly once", async () => {
    const author = await registerUser("fail");
    const [p, q] = [await createPost(author), await createPost(author)];
    const events = [view(q.id), view(p.id), view(q.id), view(p.id), view(p.id)];
    const messages = events.map((e) => message(e));
    // A real D1 failure: the counter update aborts on post p, after the event ids were
    // recorded by an earlier statement of the same batch.
    await env.DB.prepare(
      `CREATE TRIGGER inject_failure BEFORE UPDATE OF views ON post_stats WHEN NEW.post_id = '${p.id}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
    ).run();
    let failed: Awaited<ReturnType<typeof deliver>>;
    try {
      failed = await deliver(messages);
    } finally {
      await env.DB.prepare("DROP TRIGGER inject_failure").run();
    }
    expect(failed.explicitAcks).toEqual([]);
    expect(failed.retryMessages.map((r) => r.msgId).sort()).toEqual(messages.map((m) => m.id).sort());
    expect(await stats(p.id)).toMatchObject({ views: 0 });
    expect(await stats(q.id)).toMatchObject({ views: 0 });
    const recorded = await env.DB.prepare("SELECT COUNT(*) AS n FROM processed_events WHERE post_id IN (?, ?)")
      .bind(p.id, q.id)
      .first<{ n: number }>();
    expect(recorded?.n).toBe(0);

    const retried = await deliver(messages.map((m) => ({ ...m, attempts: 2 })));
    expect(retried.explicitAcks).toHaveLength(5);
    expect(await stats(p.id)).toMatchObject({ views: 3 });
    expect(await stats(q.id)).toMatchObject({ views: 2 });
    await deliver(messages.map((m) => ({ ...m, attempts: 3 })));
    expect(await stats(p.id)).toMatchObject({ views: 3 });
  });

  it("poison events go to the dead-letter queue; the rest of the batch is applied", async () => {
    const author = await registerUser("poison");
    const post = await createPost(author);
    const marker = crypto.randomUUID();
    const good = message(view(post.id));
    const bad = message({ type: "post.liked", id: marker, postId: post.id }); // no userId
    const result = await deliver([good, bad]);
    expect(result.explicitAcks.sort()).toEqual([good.id, bad.id].sort());
    expect(result.retryMessages).toEqual([]);
    expect(await stats(post.id)).toMatchObject({ views: 1 });
    const dead = await waitFor(
      () =>
        env.DB.prepare("SELECT reason FROM dead_letters WHERE body LIKE ?")
          .bind(`%${marker}%`)
          .all<{ reason: string }>(),
      (r) => r.results.length > 0,
    );
    expect(dead.results).toEqual([{ reason: "invalid post event" }]);
  });

  it("through the real queue: likes, repeats and unlikes converge to the number of likers", async () => {
    const author = await registerUser("conv");
    const fans = await Promise.all(Array.from({ length: 6 }, () => registerUser("conv")));
    const post = await createPost(author);
    const answers = await Promise.all(fans.flatMap((fan) => [like(fan, post.id), like(fan, post.id)]));
    for (const res of answers) expect(await json(res)).toMatchObject({ liked: true });
    const unliked = await json<{ liked: boolean }>(await like(fans[0]!, post.id, "DELETE"));
    expect(unliked.liked).toBe(false);
    expect(await json(await like(fans[0]!, post.id, "DELETE"))).toMatchObject({ liked: false });
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM likes WHERE post_id = ?")
      .bind(post.id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(5);
    const converged = await waitFor(
      () => stats(post.id),
      (s) => s?.likes === 5,
    );
    expect(converged?.likes).toBe(5);
    const comment = await call(`/v1/posts/${post.id}/comments`, {
      token: fans[1]!.accessToken,
      body: { content: "first!" },
    });
    expect(comment.status).toBe(201);
    expect(
      (
        await waitFor(
          () => stats(post.id),
          (s) => s?.comments === 1,
        )
      )?.comments,
    ).toBe(1);
  });

  it("a like answer counts the caller's own change at once, and a repeat answers the same", async () => {
    const [author, fan] = await Promise.all([registerUser("own"), registerUser("own")]);
    const post = await createPost(author);
    expect(await json(await like(fan, post.id))).toEqual({ liked: true, likes: 1 });
    expect(await json(await like(fan, post.id))).toEqual({ liked: true, likes: 1 });
    await waitFor(
      () => stats(post.id),
      (s) => s?.likes === 1,
    );
    expect(await json(await like(fan, post.id))).toEqual({ liked: true, likes: 1 });
    expect(await json(await like(fan, post.id, "DELETE"))).toEqual({ liked: false, likes: 0 });
    expect(
      (
        await waitFor(
          () => stats(post.id),
          (s) => s?.likes === 0,
        )
      )?.likes,
    ).toBe(0);
  });
});

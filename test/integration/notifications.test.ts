// Notifications (decision 0077): likes, comments, follows and mentions become grouped
// notifications through the real EVENTS queue; reading them, the unread count, marking read,
// and who may see what.
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser, type TestUser } from "../support/api";
import { createPost, waitFor } from "../support/feed";

interface Notification {
  id: string;
  kind: "like" | "comment" | "follow" | "mention";
  subject: string;
  actors: { id: string; username: string }[];
  count: number;
  latestAt: string;
  read: boolean;
}
interface NotificationPage {
  items: Notification[];
  unread: number;
  nextCursor: string | null;
}

async function notifications(user: TestUser, query = ""): Promise<NotificationPage> {
  const res = await call(`/v1/notifications${query}`, { token: user.accessToken });
  expect(res.status, await res.clone().text()).toBe(200);
  return json<NotificationPage>(res);
}

const like = (u: TestUser, postId: string) =>
  call(`/v1/posts/${postId}/like`, { method: "POST", token: u.accessToken });

describe("notifications", () => {
  it("likes of one post are one group: up to 3 actors, newest first, and the count of all", async () => {
    const author = await registerUser("nlike");
    const likers = await Promise.all(Array.from({ length: 5 }, () => registerUser("nlike")));
    const post = await createPost(author, "like me, everyone");
    for (const u of likers) expect((await like(u, post.id)).status).toBe(200);
    await like(author, post.id); // your own like is not news
    const page = await waitFor(
      () => notifications(author),
      (p) => p.items.some((n) => n.kind === "like" && n.count === 5),
    );
    const group = page.items.filter((n) => n.kind === "like");
    expect(group).toHaveLength(1);
    expect(group[0]).toMatchObject({ subject: post.id, count: 5, read: false });
    expect(group[0]!.actors).toHaveLength(3);
    expect(group[0]!.actors.every((a) => likers.some((l) => l.user.id === a.id))).toBe(true);
    expect(page.unread).toBe(1);
  });

  it("comments, mentions in posts and comments, and follows", async () => {
    const [author, fan, named] = await Promise.all([registerUser("nmix"), registerUser("nmix"), registerUser("nmix")]);
    const post = await createPost(author, `hello @${named.user.username} and @nobody_here_xyz`);
    const comment = await call(`/v1/posts/${post.id}/comments`, {
      token: fan.accessToken,
      body: { content: `nice, @${author.user.username}!` },
    });
    expect(comment.status).toBe(201);
    expect((await call(`/v1/users/${author.user.id}/follow`, { method: "POST", token: fan.accessToken })).status).toBe(
      204,
    );
    const mine = await waitFor(
      () => notifications(author),
      (p) => ["comment", "mention", "follow"].every((k) => p.items.some((n) => n.kind === k)),
    );
    expect(mine.items.find((n) => n.kind === "comment")).toMatchObject({ subject: post.id, count: 1 });
    expect(mine.items.find((n) => n.kind === "mention")).toMatchObject({ subject: post.id });
    expect(mine.items.find((n) => n.kind === "follow")).toMatchObject({ subject: author.user.id, count: 1 });
    for (const n of mine.items) expect(n.actors.map((a) => a.id)).toEqual([fan.user.id]);
    const theirs = await waitFor(
      () => notifications(named),
      (p) => p.items.some((n) => n.kind === "mention"),
    );
    expect(theirs.items).toEqual([
      expect.objectContaining({
        kind: "mention",
        subject: post.id,
        actors: [expect.objectContaining({ id: author.user.id })],
      }),
    ]);
    // Others see none of it.
    expect((await notifications(fan)).items).toEqual([]);
  });

  it("marking read up to a time clears the unread count; a later like opens a new group", async () => {
    const [author, a, b] = await Promise.all([registerUser("nread"), registerUser("nread"), registerUser("nread")]);
    const post = await createPost(author, "read me");
    await like(a, post.id);
    const first = await waitFor(
      () => notifications(author),
      (p) => p.unread === 1,
    );
    const read = await call("/v1/notifications/read", {
      token: author.accessToken,
      body: { upTo: first.items[0]!.latestAt },
    });
    expect(read.status).toBe(200);
    expect(await json(read)).toEqual({ unread: 0 });
    expect((await notifications(author)).items[0]!.read).toBe(true);
    await like(b, post.id);
    const after = await waitFor(
      () => notifications(author),
      (p) => p.unread === 1,
    );
    expect(after.items.map((n) => [n.kind, n.count, n.read])).toEqual([
      ["like", 1, false],
      ["like", 1, true],
    ]);
    expect(after.items[0]!.actors.map((x) => x.id)).toEqual([b.user.id]);
  });

  it("pages with a cursor; needs a token; refuses bad input", async () => {
    const [author, ...fans] = await Promise.all([registerUser("npage"), registerUser("npage"), registerUser("npage")]);
    for (const f of fans) await call(`/v1/users/${author.user.id}/follow`, { method: "POST", token: f.accessToken });
    const p1 = await createPost(author, "one");
    await like(fans[0]!, p1.id);
    const full = await waitFor(
      () => notifications(author),
      (p) => p.items.length === 2,
    );
    const first = await notifications(author, "?limit=1");
    expect(first.items).toEqual([full.items[0]]);
    const second = await notifications(author, `?limit=1&cursor=${first.nextCursor}`);
    expect(second.items).toEqual([full.items[1]]);
    expect(second.nextCursor).toBeNull();

    await expectProblem(await call("/v1/notifications"), 401, "unauthorized");
    await expectProblem(
      await call("/v1/notifications/read", { body: { upTo: new Date().toISOString() } }),
      401,
      "unauthorized",
    );
    await expectProblem(
      await call("/v1/notifications?cursor=nope", { token: author.accessToken }),
      400,
      "invalid_cursor",
    );
    for (const body of [{}, { upTo: "yesterday" }, { upTo: new Date().toISOString(), extra: 1 }]) {
      await expectProblem(
        await call("/v1/notifications/read", { token: author.accessToken, body }),
        400,
        "validation_failed",
      );
    }
  });
});

// Reports (one open per reporter and target, rate-limited, with the content as reported) and
// their resolution (dismiss, remove, suspend), content removal by moderators, and the audit log.
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser, type TestUser } from "../support/api";
import { createPost } from "../support/feed";
import { userWithRole } from "../support/moderation";
import { channelWith, postMessage } from "../support/rooms";

interface Report {
  id: string;
  reporterId: string;
  target: { kind: string; id: string; roomId?: string };
  reason: string;
  status: string;
  snapshot: { authorId: string; authorUsername: string; text: string; extra: Record<string, unknown> };
  resolution: { action: string; by: string } | null;
}

const report = (reporter: TestUser, body: unknown) => call("/v1/reports", { token: reporter.accessToken, body });

async function comment(user: TestUser, postId: string, content: string): Promise<string> {
  const res = await call(`/v1/posts/${postId}/comments`, { token: user.accessToken, body: { content } });
  expect(res.status).toBe(201);
  return (await json<{ id: string }>(res)).id;
}

async function openReports(moderator: TestUser): Promise<Report[]> {
  const res = await call("/v1/admin/reports?status=open&limit=100", { token: moderator.accessToken });
  expect(res.status).toBe(200);
  return (await json<{ items: Report[] }>(res)).items;
}

describe("reports", () => {
  it("keeps the content as reported, even after the author edits and deletes it", async () => {
    const [author, reporter, moderator] = await Promise.all([
      registerUser("rp"),
      registerUser("rp"),
      userWithRole("moderator"),
    ]);
    const post = await createPost(author, "the original words");
    const res = await report(reporter, { target: { kind: "post", id: post.id }, reason: "spam", note: "ad" });
    expect(res.status).toBe(201);
    const filed = await json<Report>(res);
    expect(filed).toMatchObject({
      reporterId: reporter.user.id,
      target: { kind: "post", id: post.id },
      reason: "spam",
      status: "open",
      snapshot: { authorId: author.user.id, text: "the original words" },
      resolution: null,
    });
    await call(`/v1/posts/${post.id}`, { method: "PATCH", token: author.accessToken, body: { content: "innocent" } });
    await call(`/v1/posts/${post.id}`, { method: "DELETE", token: author.accessToken });
    const listed = (await openReports(moderator)).find((r) => r.id === filed.id);
    expect(listed?.snapshot.text).toBe("the original words");
  });

  it("allows one open report per reporter and target, and a new one once it is resolved", async () => {
    const [author, reporter, other, moderator] = await Promise.all([
      registerUser("rp"),
      registerUser("rp"),
      registerUser("rp"),
      userWithRole("moderator"),
    ]);
    const post = await createPost(author);
    const body = { target: { kind: "post", id: post.id }, reason: "abuse" };
    const first = await json<Report>(await report(reporter, body));
    await expectProblem(await report(reporter, { ...body, reason: "spam" }), 409, "already_reported");
    expect((await report(other, body)).status).toBe(201);
    const resolved = await call(`/v1/admin/reports/${first.id}/resolve`, {
      token: moderator.accessToken,
      body: { action: "dismiss" },
    });
    expect(resolved.status).toBe(200);
    await expectProblem(
      await call(`/v1/admin/reports/${first.id}/resolve`, {
        token: moderator.accessToken,
        body: { action: "dismiss" },
      }),
      409,
      "report_resolved",
    );
    expect((await report(reporter, body)).status).toBe(201);
  });

  it("reports comments, users and messages (members only), and refuses what the reporter cannot see", async () => {
    const [author, reporter] = await Promise.all([registerUser("rp"), registerUser("rp")]);
    const post = await createPost(author);
    const commentId = await comment(author, post.id, "a rude comment");
    const onComment = await json<Report>(
      await report(reporter, { target: { kind: "comment", id: commentId }, reason: "abuse" }),
    );
    expect(onComment.snapshot).toMatchObject({ text: "a rude comment", extra: { postId: post.id } });
    const onUser = await json<Report>(
      await report(reporter, { target: { kind: "user", id: author.user.id }, reason: "other" }),
    );
    expect(onUser.snapshot).toMatchObject({ authorId: author.user.id, authorUsername: author.user.username });
    await expectProblem(
      await report(reporter, { target: { kind: "user", id: reporter.user.id }, reason: "other" }),
      422,
      "cannot_report_self",
    );

    const { room, users } = await channelWith(2);
    const message = await postMessage(room.id, users[0]!, crypto.randomUUID(), "a spammy message");
    const target = { kind: "message", id: String(message.seq), roomId: room.id };
    const onMessage = await json<Report>(await report(users[1]!, { target, reason: "spam" }));
    expect(onMessage.snapshot).toMatchObject({
      authorId: users[0]!.user.id,
      text: "a spammy message",
      extra: { roomId: room.id, seq: message.seq, messageId: message.id },
    });
    // Not a member of the room: as if the message did not exist.
    await expectProblem(await report(reporter, { target, reason: "spam" }), 404, "not_found");
    await expectProblem(
      await report(reporter, { target: { kind: "post", id: crypto.randomUUID() }, reason: "spam" }),
      404,
      "not_found",
    );
  });

  it("validates the body", async () => {
    const reporter = await registerUser("rp");
    const bad = [
      { target: { kind: "post", id: "x" }, reason: "spam" },
      { target: { kind: "message", id: "3" }, reason: "spam" },
      { target: { kind: "post", id: crypto.randomUUID() }, reason: "boring" },
      { target: { kind: "planet", id: crypto.randomUUID() }, reason: "spam" },
      { target: { kind: "post", id: crypto.randomUUID() }, reason: "spam", extra: 1 },
      { target: { kind: "post", id: crypto.randomUUID() }, reason: "spam", note: "x".repeat(1001) },
    ];
    for (const body of bad) await expectProblem(await report(reporter, body), 400, "validation_failed");
  });

  it("is rate-limited per reporter", async () => {
    const reporter = await registerUser("rp");
    const targets = await Promise.all(Array.from({ length: 11 }, () => registerUser("rt")));
    const statuses: number[] = [];
    for (const t of targets) {
      statuses.push((await report(reporter, { target: { kind: "user", id: t.user.id }, reason: "spam" })).status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(201));
    await expectProblem(
      await report(reporter, { target: { kind: "user", id: targets[0]!.user.id }, reason: "spam" }),
      429,
      "rate_limited",
    );
  });

  it("pages open reports newest first", async () => {
    const [moderator, reporter] = await Promise.all([userWithRole("moderator"), registerUser("rp")]);
    const targets = await Promise.all(Array.from({ length: 3 }, () => registerUser("rt")));
    const ids: string[] = [];
    for (const t of targets) {
      ids.push(
        (await json<Report>(await report(reporter, { target: { kind: "user", id: t.user.id }, reason: "spam" }))).id,
      );
    }
    const first = await json<{ items: Report[]; nextCursor: string }>(
      await call("/v1/admin/reports?status=open&limit=1", { token: moderator.accessToken }),
    );
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await json<{ items: Report[] }>(
      await call(`/v1/admin/reports?status=open&limit=1&cursor=${first.nextCursor}`, { token: moderator.accessToken }),
    );
    expect(second.items[0]!.id < first.items[0]!.id).toBe(true);
    await expectProblem(
      await call("/v1/admin/reports?cursor=bogus", { token: moderator.accessToken }),
      400,
      "invalid_cursor",
    );
  });
});

describe("resolving reports", () => {
  it("remove deletes the post for everyone and is audited", async () => {
    const [author, reporter, moderator, admin] = await Promise.all([
      registerUser("rr"),
      registerUser("rr"),
      userWithRole("moderator"),
      userWithRole("admin"),
    ]);
    const post = await createPost(author, "remove me");
    const filed = await json<Report>(
      await report(reporter, { target: { kind: "post", id: post.id }, reason: "illegal" }),
    );
    const res = await call(`/v1/admin/reports/${filed.id}/resolve`, {
      token: moderator.accessToken,
      body: { action: "remove", note: "illegal content" },
    });
    expect(await json<Report>(res)).toMatchObject({
      status: "resolved",
      resolution: { action: "remove", by: moderator.user.id, note: "illegal content" },
    });
    await expectProblem(await call(`/v1/posts/${post.id}`), 404, "not_found");
    expect((await openReports(moderator)).some((r) => r.id === filed.id)).toBe(false);
    const resolved = await json<{ items: Report[] }>(
      await call("/v1/admin/reports?status=resolved&limit=100", { token: moderator.accessToken }),
    );
    expect(resolved.items.find((r) => r.id === filed.id)?.snapshot.text).toBe("remove me");

    const audit = await json<{ items: { action: string; actorId: string; target: { kind: string; id: string } }[] }>(
      await call("/v1/admin/audit?limit=100", { token: admin.accessToken }),
    );
    const actions = audit.items
      .filter((e) => e.actorId === moderator.user.id)
      .map((e) => `${e.action} ${e.target.kind}`);
    expect(actions).toEqual(["report.remove report", "post.remove post"]);
  });

  it("remove deletes a comment; a user report cannot be removed", async () => {
    const [author, reporter, moderator] = await Promise.all([
      registerUser("rr"),
      registerUser("rr"),
      userWithRole("moderator"),
    ]);
    const post = await createPost(author);
    const commentId = await comment(author, post.id, "nasty");
    const onComment = await json<Report>(
      await report(reporter, { target: { kind: "comment", id: commentId }, reason: "abuse" }),
    );
    const ok = await call(`/v1/admin/reports/${onComment.id}/resolve`, {
      token: moderator.accessToken,
      body: { action: "remove" },
    });
    expect(ok.status).toBe(200);
    const comments = await json<{ items: { id: string }[] }>(await call(`/v1/posts/${post.id}/comments`));
    expect(comments.items.map((c) => c.id)).not.toContain(commentId);

    const onUser = await json<Report>(
      await report(reporter, { target: { kind: "user", id: author.user.id }, reason: "abuse" }),
    );
    await expectProblem(
      await call(`/v1/admin/reports/${onUser.id}/resolve`, {
        token: moderator.accessToken,
        body: { action: "remove" },
      }),
      422,
      "action_not_applicable",
    );
    await expectProblem(
      await call(`/v1/admin/reports/${crypto.randomUUID()}/resolve`, {
        token: moderator.accessToken,
        body: { action: "dismiss" },
      }),
      404,
      "not_found",
    );
  });

  it("suspend suspends the content's author", async () => {
    const [author, reporter, moderator] = await Promise.all([
      registerUser("rr"),
      registerUser("rr"),
      userWithRole("moderator"),
    ]);
    const post = await createPost(author);
    const filed = await json<Report>(
      await report(reporter, { target: { kind: "post", id: post.id }, reason: "abuse" }),
    );
    const res = await call(`/v1/admin/reports/${filed.id}/resolve`, {
      token: moderator.accessToken,
      body: { action: "suspend" },
    });
    expect(res.status).toBe(200);
    await expectProblem(await call("/v1/me", { token: author.accessToken }), 403, "suspended");
    await expectProblem(await call(`/v1/posts/${post.id}`), 404, "not_found");
  });
});

describe("content removal by moderators", () => {
  it("a moderator deletes anyone's post and comment; another user cannot; the author still can", async () => {
    const [author, other, moderator] = await Promise.all([
      registerUser("cr"),
      registerUser("cr"),
      userWithRole("moderator"),
    ]);
    const [p1, p2] = [await createPost(author), await createPost(author)];
    const [c1, c2] = [await comment(author, p1.id, "one"), await comment(author, p1.id, "two")];
    const del = (path: string, who: TestUser) => call(path, { method: "DELETE", token: who.accessToken });

    await expectProblem(await del(`/v1/posts/${p1.id}`, other), 403, "forbidden");
    await expectProblem(await del(`/v1/comments/${c1}`, other), 403, "forbidden");
    await expectProblem(await del(`/v1/comments/${c1}`, { ...other, accessToken: "" }), 401, "unauthorized");
    expect((await del(`/v1/comments/${c1}`, moderator)).status).toBe(204);
    expect((await del(`/v1/comments/${c2}`, author)).status).toBe(204);
    await expectProblem(await del(`/v1/comments/${c2}`, author), 404, "not_found");
    expect((await del(`/v1/posts/${p1.id}`, moderator)).status).toBe(204);
    expect((await del(`/v1/posts/${p2.id}`, author)).status).toBe(204);
    await expectProblem(await call(`/v1/posts/${p1.id}`), 404, "not_found");
  });
});

// Account suspension: sessions revoked (tokens answer 403 `suspended`), sockets closed within a
// second, login refused with `until`, posts and comments hidden while it lasts and back after.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser, type TestUser } from "../support/api";
import { createPost } from "../support/feed";
import { userWithRole } from "../support/moderation";
import { channelWith, roomSocket } from "../support/rooms";
import { openSocket } from "../support/sockets";

const suspend = (moderator: TestUser, target: TestUser, body: unknown) =>
  call(`/v1/admin/users/${target.user.id}/suspend`, { token: moderator.accessToken, body });
const lift = (moderator: TestUser, target: TestUser) =>
  call(`/v1/admin/users/${target.user.id}/suspend`, { method: "DELETE", token: moderator.accessToken });
const login = (user: TestUser) =>
  call("/v1/auth/login", { body: { username: user.user.username, password: user.password } });

describe("account suspension", () => {
  it("closes the user's room and inbox sockets within a second", async () => {
    const moderator = await userWithRole("moderator");
    const { room, users } = await channelWith(2);
    const target = users[1]!;
    const roomWs = await roomSocket(room.id, target);
    const inboxWs = await openSocket("/v1/inbox/ws", { token: target.accessToken });
    const started = Date.now();
    const res = await suspend(moderator, target, { reason: "abuse" });
    expect(res.status).toBe(200);
    const [roomClose, inboxClose] = await Promise.all([roomWs.closed, inboxWs.closed]);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(roomClose.code).toBeGreaterThanOrEqual(4000);
    expect(inboxClose.code).toBeGreaterThanOrEqual(4000);
    // Reconnecting with the same token is refused.
    const again = await call(`/v1/rooms/${room.id}/ws`, {
      headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": `plaza.v1, bearer.${target.accessToken}` },
    });
    await expectProblem(again, 403, "suspended");
  });

  it("refuses the user's tokens, refresh and login with `suspended` and `until`; lifting restores login", async () => {
    const [moderator, target] = await Promise.all([userWithRole("moderator"), registerUser("su")]);
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const res = await suspend(moderator, target, { reason: "spam", until });
    expect(await json(res)).toEqual({ userId: target.user.id, suspended: true, until, reason: "spam" });

    const me = await expectProblem(await call("/v1/me", { token: target.accessToken }), 403, "suspended");
    expect(me).toMatchObject({ until });
    const refresh = await call("/v1/auth/refresh", { body: { refreshToken: target.refreshToken } });
    expect(await expectProblem(refresh, 403, "suspended")).toMatchObject({ until });
    expect(await expectProblem(await login(target), 403, "suspended")).toMatchObject({ until });
    // A wrong password does not learn of the suspension.
    const wrong = await call("/v1/auth/login", {
      body: { username: target.user.username, password: "wrong password!" },
    });
    await expectProblem(wrong, 401, "invalid_credentials");

    const lifted = await lift(moderator, target);
    expect(await json(lifted)).toEqual({ userId: target.user.id, suspended: false, until: null, reason: null });
    expect((await login(target)).status).toBe(200);
  });

  it("ends by itself at `until`", async () => {
    const [moderator, target] = await Promise.all([userWithRole("moderator"), registerUser("su")]);
    await suspend(moderator, target, { reason: "cool off", until: new Date(Date.now() + 60_000).toISOString() });
    await expectProblem(await login(target), 403, "suspended");
    // As if the minute had passed.
    await env.DB.prepare("UPDATE users SET suspended_until = ? WHERE id = ?")
      .bind(Date.now() - 1, target.user.id)
      .run();
    expect((await login(target)).status).toBe(200);
  });

  it("hides the user's posts and comments from every read while suspended, and restores them", async () => {
    const [moderator, target, reader] = await Promise.all([
      userWithRole("moderator"),
      registerUser("su"),
      registerUser("su"),
    ]);
    const post = await createPost(target, "visible unless suspended");
    const readerPost = await createPost(reader, "reader's own");
    const commented = await call(`/v1/posts/${readerPost.id}/comments`, {
      token: target.accessToken,
      body: { content: "a comment by the suspended" },
    });
    expect(commented.status).toBe(201);
    const visible = async () => {
      const [single, feed, userPosts, comments] = await Promise.all([
        call(`/v1/posts/${post.id}`),
        call("/v1/feed?limit=100").then((r) => json<{ items: { id: string }[] }>(r)),
        call(`/v1/users/${target.user.id}/posts`).then((r) => json<{ items: { id: string }[] }>(r)),
        call(`/v1/posts/${readerPost.id}/comments`).then((r) => json<{ items: { content: string }[] }>(r)),
      ]);
      return {
        single: single.status,
        feed: feed.items.some((p) => p.id === post.id),
        userPosts: userPosts.items.some((p) => p.id === post.id),
        comment: comments.items.some((c) => c.content === "a comment by the suspended"),
      };
    };
    expect(await visible()).toEqual({ single: 200, feed: true, userPosts: true, comment: true });
    await suspend(moderator, target, { reason: "abuse" });
    expect(await visible()).toEqual({ single: 404, feed: false, userPosts: false, comment: false });
    await lift(moderator, target);
    expect(await visible()).toEqual({ single: 200, feed: true, userPosts: true, comment: true });
  });

  it("validates the body and refuses a past `until`", async () => {
    const [moderator, target] = await Promise.all([userWithRole("moderator"), registerUser("su")]);
    await expectProblem(await suspend(moderator, target, {}), 400, "validation_failed");
    await expectProblem(await suspend(moderator, target, { reason: "x", until: "tomorrow" }), 400, "validation_failed");
    await expectProblem(
      await suspend(moderator, target, { reason: "x", until: new Date(Date.now() - 1000).toISOString() }),
      422,
      "until_in_past",
    );
    await expectProblem(
      await call(`/v1/admin/users/${crypto.randomUUID()}/suspend`, {
        token: moderator.accessToken,
        body: { reason: "x" },
      }),
      404,
      "not_found",
    );
  });
});

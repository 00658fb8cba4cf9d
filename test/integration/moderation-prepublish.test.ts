// The pre-publish moderation step on posts and comments: the word list (MODERATION_BLOCKED_TERMS,
// normalized whole words) and the hook (a fake in test/setup/moderation-hook.ts speaking the
// documented protocol), with its timeout and both failure modes.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { moderate } from "../../src/services/moderation/prepublish";
import { call, expectProblem, json, registerUser, type TestUser } from "../support/api";
import { createPost } from "../support/feed";

const post = (user: TestUser, content: string) => call("/v1/posts", { token: user.accessToken, body: { content } });
const settings = () => loadConfig(env).moderation;

describe("the word list", () => {
  it("refuses posts, edits and comments with a blocked term, matched on normalized whole words", async () => {
    const user = await registerUser("pp");
    for (const text of [
      "PLAZAFORBIDDEN!",
      "so plázaforbidden.",
      "Buy   cheap\npills now",
      "ｐｌａｚａｆｏｒｂｉｄｄｅｎ",
    ]) {
      const problem = await expectProblem(await post(user, text), 422, "moderated");
      expect(problem.detail).toBe("The content contains a blocked term.");
    }
    for (const text of ["plazaforbiddenx is fine", "buy cheap pillows"]) {
      expect((await post(user, text)).status).toBe(201);
    }
    const p = await createPost(user, "clean words");
    await expectProblem(
      await call(`/v1/posts/${p.id}`, {
        method: "PATCH",
        token: user.accessToken,
        body: { content: "plazaforbidden" },
      }),
      422,
      "moderated",
    );
    const after = await json<{ content: string }>(await call(`/v1/posts/${p.id}`));
    expect(after.content).toBe("clean words");
    await expectProblem(
      await call(`/v1/posts/${p.id}/comments`, { token: user.accessToken, body: { content: "you plazaforbidden" } }),
      422,
      "moderated",
    );
    const comments = await json<{ items: unknown[] }>(await call(`/v1/posts/${p.id}/comments`));
    expect(comments.items).toEqual([]);
  });
});

describe("the hook", () => {
  it("allows, rejects and redacts as it answers, and is sent the documented request", async () => {
    const user = await registerUser("ph");
    const allowed = await json<{ content: string }>(await post(user, "a normal post"));
    expect(allowed.content).toBe("a normal post");
    await expectProblem(await post(user, "please hookreject this"), 422, "moderated");
    const redacted = await json<{ id: string; content: string }>(await post(user, "a hookredact word"));
    expect(redacted.content).toBe("a [redacted] word");
    expect((await json<{ content: string }>(await call(`/v1/posts/${redacted.id}`))).content).toBe("a [redacted] word");
    const c = await call(`/v1/posts/${redacted.id}/comments`, {
      token: user.accessToken,
      body: { content: "c hookredact" },
    });
    expect((await json<{ content: string }>(c)).content).toBe("c [redacted]");

    const seen = (await (await fetch(`${settings().hookUrl}seen`)).json()) as Record<string, unknown>[];
    expect(seen).toContainEqual({ kind: "post", text: "a normal post", authorId: user.user.id });
    expect(seen).toContainEqual({ kind: "comment", text: "c hookredact", authorId: user.user.id });
  });

  it("fail-open: a hook that hangs, fails or answers nonsense delays a post by its timeout at most", async () => {
    const user = await registerUser("ph");
    const timeout = settings().hookTimeoutMs;
    for (const marker of ["hookhang", "hookbroken", "hookjunk"]) {
      const started = Date.now();
      const res = await post(user, `text ${marker}`);
      const elapsed = Date.now() - started;
      expect(res.status, marker).toBe(201);
      expect(elapsed, marker).toBeLessThan(timeout + 500);
      if (marker === "hookhang") expect(elapsed).toBeGreaterThanOrEqual(timeout - 5);
    }
  });

  it("fail-closed: the same failures refuse the content; the word list still decides first", async () => {
    const closed = { ...settings(), hookFailure: "closed" as const };
    const input = (text: string) => ({ kind: "message" as const, text, authorId: crypto.randomUUID(), roomId: "r" });
    for (const marker of ["hookhang", "hookbroken", "hookjunk"]) {
      expect(await moderate(closed, input(`x ${marker}`))).toEqual({ ok: false, reason: "hook_unavailable" });
    }
    expect(await moderate(closed, input("fine"))).toEqual({ ok: true, text: "fine", redacted: false });
    expect(await moderate(closed, input("plazaforbidden hookredact"))).toEqual({ ok: false, reason: "blocked_term" });
  });
});

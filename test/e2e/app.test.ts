// The web client in a real browser against a real `npm start`: two people (two browser
// contexts) sign up, chat in a channel and a direct conversation (same order on both sides,
// unread badge live and cleared when read), like each other's post (image upload included),
// stream and cancel llm.chat tasks, and keep chatting across a server restart (the page
// reconnects and shows every message once). Screenshots go to test-results/e2e/.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Plaza, startPlaza } from "../web/support/plaza.ts";
import { launchBrowser, personPage, shot } from "./support/browser.ts";
import { gradientPng } from "./support/png.ts";

const PASSWORD = "a long e2e password";
const tag = Date.now().toString(36).slice(-5);
const names = { ann: `ann_${tag}`, ben: `ben_${tag}` };
const channel = `e2e-${tag}`;

/** Message bodies shown in the open room (not the pending ones), in order. */
const bodies = (page: Page) => page.locator(".log li.msg:not(.pending) .body").allTextContents();

async function waitForBodies(page: Page, count: number, timeout = 30_000): Promise<string[]> {
  await page.waitForFunction((n) => document.querySelectorAll(".log li.msg:not(.pending)").length >= n, count, {
    timeout,
  });
  return bodies(page);
}

/** Waits until the open room shows a message with exactly this body. */
const waitForBody = (page: Page, text: string, timeout = 60_000) =>
  page.locator(".log li.msg:not(.pending) .body").getByText(text, { exact: true }).waitFor({ timeout });

async function signUp(page: Page, username: string): Promise<void> {
  await page.goto("/#/signup");
  for (const field of ["Username", "Display name", "Password"]) await page.getByLabel(field).fill("");
  // Keyboard only: labels lead to the fields, Tab moves on, Enter submits.
  await page.getByLabel("Username").focus();
  await page.keyboard.type(username);
  await page.keyboard.press("Tab");
  await page.keyboard.type(username.toUpperCase());
  await page.keyboard.press("Tab");
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await page.getByRole("link", { name: `@${username}` }).waitFor();
}

async function openRooms(page: Page): Promise<void> {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /Rooms/ }).click();
  await page.getByRole("heading", { name: "My rooms" }).waitFor();
}

const roomConnected = (page: Page) =>
  page.locator('[aria-label="Room connection: Connected"]').waitFor({ timeout: 60_000 });
const composer = (page: Page, title: string) => page.getByRole("textbox", { name: `Message ${title}` });

async function send(page: Page, title: string, text: string): Promise<void> {
  await composer(page, title).fill(text);
  await composer(page, title).press("Enter");
}

describe("Plaza in the browser", () => {
  let plaza: Plaza;
  let browser: Browser;
  let ann: Page;
  let ben: Page;
  // Each page's own error list (filled as the page runs), checked once at the end.
  const pageErrors: string[][] = [];

  beforeAll(async () => {
    [plaza, browser] = await Promise.all([startPlaza(), launchBrowser()]);
    const a = await personPage(browser, plaza.url);
    const b = await personPage(browser, plaza.url);
    [ann, ben] = [a.page, b.page];
    pageErrors.push(a.errors, b.errors);
  });

  afterAll(async () => {
    await browser?.close();
    await plaza?.stop();
    expect(pageErrors.flat()).toEqual([]);
  });

  it("serves the app with its security headers, and /docs renders the operations offline", async () => {
    const res = await ann.goto("/");
    const headers = res?.headers() ?? {};
    expect(headers["content-security-policy"]).toContain("script-src 'self'");
    expect(headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    await ann.goto("/docs");
    await ann.locator("section#tag-Rooms details summary.operation").first().waitFor();
    expect(await ann.locator("summary.operation").count()).toBeGreaterThan(40);
    await shot(ann, "00-docs");
  });

  it("signs up two people with the keyboard and shows the feed", async () => {
    await ann.goto("/");
    await ann.getByRole("heading", { name: "Sign in to Plaza" }).waitFor();
    await shot(ann, "01-login");
    await ann.goto("/#/signup");
    await ann.getByLabel("Username").fill("NO");
    await ann.getByLabel("Password").fill("short");
    await ann.evaluate(() => {
      document.querySelector("form")!.noValidate = true;
    }); // let the server judge
    await ann.getByRole("button", { name: "Sign up" }).click();
    // The problem's detail and its invalid fields, as the server wrote them.
    const alert = ann.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/username/);
    expect(await alert.textContent()).toMatch(/password/);
    await shot(ann, "02-signup-error");
    await Promise.all([signUp(ann, names.ann), signUp(ben, names.ben)]);
    await ann.locator("article.post").first().waitFor(); // the demo posts
    await ann.locator('[aria-label="Connection: Connected"]').waitFor();
    await shot(ann, "03-feed", true);
  });

  it("two people chat in a channel and see the same messages in the same order", async () => {
    await openRooms(ann);
    await ann.getByRole("radio", { name: "Public channel" }).check();
    await ann.getByLabel("Name", { exact: true }).fill(channel);
    await ann.getByRole("button", { name: "Create" }).click();
    await roomConnected(ann);
    await openRooms(ben);
    await ben.getByRole("button", { name: `Join #${channel}` }).click();
    await roomConnected(ben);
    await ann
      .getByText(`Online: ${names.ann}, ${names.ben}`)
      .or(ann.getByText(`Online: ${names.ben}, ${names.ann}`))
      .waitFor();
    const title = `#${channel}`;
    // Interleaved and unsynchronized: the room's seq decides one order for everyone.
    await Promise.all([
      (async () => {
        for (const t of ["ann 1", "ann 2", "ann 3"]) await send(ann, title, t);
      })(),
      (async () => {
        for (const t of ["ben 1", "ben 2", "ben 3"]) await send(ben, title, t);
      })(),
    ]);
    const [seenByAnn, seenByBen] = await Promise.all([waitForBodies(ann, 6), waitForBodies(ben, 6)]);
    expect(seenByAnn).toEqual(seenByBen);
    expect([...seenByAnn].sort()).toEqual(["ann 1", "ann 2", "ann 3", "ben 1", "ben 2", "ben 3"]);
    // Typing is sent at most every 2 s (and broadcast at most that often): wait out Ben's last one.
    await ben.waitForTimeout(2_100);
    await ben.getByRole("textbox", { name: `Message ${title}` }).pressSequentially("typing…", { delay: 20 });
    await ann.getByText(`${names.ben} is typing…`).waitFor();
    await shot(ann, "04-channel");
  });

  it("pages back through history", async () => {
    // 40 more messages through the API (a session of Ann's own), then Ben opens the room afresh.
    const login = await fetch(`${plaza.url}/v1/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: names.ann, password: PASSWORD }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const roomId = decodeURIComponent(new URL(ann.url()).hash.split("/")[2]!);
    for (let i = 1; i <= 40; i++) {
      const res = await fetch(`${plaza.url}/v1/rooms/${roomId}/messages`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${accessToken}` },
        body: JSON.stringify({ clientMsgId: `bulk-${i}`, body: `bulk ${i}` }),
      });
      expect(res.status).toBe(201);
    }
    await waitForBody(ann, "bulk 40");
    await ben.goto("/#/feed");
    await ben.goto(`/#/rooms/${roomId}`);
    await roomConnected(ben);
    await waitForBody(ben, "bulk 40");
    expect((await bodies(ben)).length).toBe(30); // the latest page
    await ben.getByRole("button", { name: "Load older messages" }).click();
    await waitForBody(ben, "ann 1");
    const all = await bodies(ben);
    expect(all).toHaveLength(46);
    expect(all.slice(-40)).toEqual(Array.from({ length: 40 }, (_, i) => `bulk ${i + 1}`));
    expect(await ben.getByRole("button", { name: "Load older messages" }).count()).toBe(0);
  });

  it("a direct message raises the unread badge live, and reading it clears the badge", async () => {
    await openRooms(ben);
    await openRooms(ann);
    await ann.getByRole("radio", { name: "Direct message" }).check();
    await ann.getByLabel("Username").fill(names.ben);
    await ann.getByRole("button", { name: "Open conversation" }).click();
    await roomConnected(ann);
    const dmId = decodeURIComponent(new URL(ann.url()).hash.split("/")[2]!);
    await send(ann, names.ben, "hi ben, a direct message");
    await send(ann, names.ben, "are you there?");
    // Ben stays on his room list: the badge comes from his inbox socket, live.
    const badge = ben.locator(`.room-list a[data-room-id="${dmId}"] .badge`);
    await expect.poll(() => badge.textContent(), { timeout: 20_000 }).toBe("2");
    await expect
      .poll(() => ben.locator("[data-total-unread]").getAttribute("data-total-unread"), { timeout: 10_000 })
      .toBe("2");
    await shot(ben, "05-rooms-unread", true);
    await ben.locator(`.room-list a[data-room-id="${dmId}"]`).first().click();
    await roomConnected(ben);
    expect(await waitForBodies(ben, 2)).toEqual(["hi ben, a direct message", "are you there?"]);
    await send(ben, names.ann, "here!");
    expect(await waitForBodies(ann, 3)).toEqual(await waitForBodies(ben, 3));
    await expect
      .poll(() => ben.locator(`.room-list a[data-room-id="${dmId}"] .badge`).count(), { timeout: 10_000 })
      .toBe(0);
    await expect.poll(() => ben.locator("[data-total-unread]").count(), { timeout: 10_000 }).toBe(0);
    await shot(ben, "06-direct-message");
  });

  it("a post with an image is liked by the other person and its count updates", async () => {
    const text = `A picture from ${names.ann}`;
    await ann.goto("/#/feed");
    await ann.getByRole("textbox", { name: "What's happening?" }).fill(text);
    await ann
      .getByLabel("Add images")
      .setInputFiles({ name: "gradient.png", mimeType: "image/png", buffer: gradientPng() });
    await ann.getByRole("button", { name: "Post" }).click();
    const annPost = ann.locator("article.post", { hasText: text });
    await annPost.locator("img").waitFor();
    expect(await annPost.locator("img").evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(64);

    await ben.goto("/#/feed");
    const benPost = ben.locator("article.post", { hasText: text });
    // Others see a new post within POST_LIVE_TTL_MS (feed pages are cached per isolate: decision 0075).
    await expect
      .poll(
        async () => {
          if ((await benPost.count()) === 0) await ben.reload();
          return benPost.count();
        },
        { timeout: 15_000, interval: 1_000 },
      )
      .toBe(1);
    const like = benPost.getByRole("button", { name: /^Like/ });
    await like.click();
    await benPost.getByRole("button", { name: "Unlike (1 likes)" }).waitFor();
    expect(await benPost.locator(".like").getAttribute("aria-pressed")).toBe("true");
    await shot(ben, "07-post-liked");
    // The author's open page shows the count as it changes, without a reload (GET /v1/feed/live):
    // the counters catch up within the batch delay (at most 5 s) plus POST_LIVE_TTL_MS.
    await expect.poll(() => annPost.locator(".like .count").textContent(), { timeout: 15_000 }).toBe("1");
  });

  it("the author's bell counts the like; the list says who, and opening it clears the count", async () => {
    const badge = ann.locator("[data-unread-notifications]");
    await expect
      .poll(
        async () => {
          if ((await badge.count()) === 0) await ann.reload();
          return badge.count();
        },
        { timeout: 30_000, interval: 2_000 },
      )
      .toBe(1);
    await expect.poll(() => ann.title()).toMatch(/^\(\d+\) Plaza$/);
    await ann.getByRole("link", { name: /Notifications/ }).click();
    await ann
      .getByRole("list", { name: "Notifications" })
      .getByText(`${names.ben.toUpperCase()} liked your post`)
      .waitFor();
    await expect.poll(() => badge.count(), { timeout: 10_000 }).toBe(0);
    expect(await ann.title()).toBe("Plaza");
    await shot(ann, "08-notifications");
  });

  it("a #tag is a link to the tag's posts, and the search box finds a post by its words", async () => {
    const word = `kumquat${tag}`;
    await ann.goto("/#/feed");
    await ann.getByRole("textbox", { name: "What's happening?" }).fill(`Fresh ${word} today #fruit${tag}`);
    await ann.getByRole("button", { name: "Post" }).click();
    const post = ann.locator("article.post", { hasText: word });
    await post.getByRole("link", { name: `#fruit${tag}` }).click();
    await ann.getByRole("heading", { name: `#fruit${tag}` }).waitFor();
    await ann.locator("article.post", { hasText: word }).waitFor();

    await ann.getByRole("searchbox", { name: "Search posts" }).fill(word);
    await ann.getByRole("searchbox", { name: "Search posts" }).press("Enter");
    await ann.getByRole("heading", { name: `Search: ${word}` }).waitFor();
    await ann.locator(".hit mark", { hasText: word }).waitFor();
    await shot(ann, "09-search");
  });

  it("a reader's feed offers others' new posts in a bar instead of inserting them", async () => {
    await ben.goto("/#/feed");
    await ben.locator("article.post").first().waitFor();
    const text = `Breaking news from ${names.ann}`;
    await ann.goto("/#/feed");
    await ann.getByRole("textbox", { name: "What's happening?" }).fill(text);
    await ann.getByRole("button", { name: "Post" }).click();
    await ann.locator("article.post", { hasText: text }).waitFor();
    const bar = ben.getByRole("button", { name: /^\d+ new posts?$/ });
    await bar.waitFor({ timeout: 30_000 });
    expect(await ben.locator("article.post", { hasText: text }).count()).toBe(0);
    await bar.click();
    await ben.locator("article.post", { hasText: text }).waitFor();
    expect(await bar.count()).toBe(0);
  });

  it("an llm.chat task streams its output, and a long one can be canceled", async () => {
    await ann.goto("/#/tasks");
    await ann.getByLabel("Prompt", { exact: true }).fill("Tell the e2e suite a story");
    await ann.getByLabel("Max tokens").fill("200");
    await ann.getByRole("button", { name: "Run llm.chat" }).click();
    const output = ann.getByLabel("Output");
    // Sample the output while it grows: several distinct lengths before the end.
    const lengths = new Set<number>();
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const finished = await output.getAttribute("data-finished").catch(() => null);
      lengths.add(((await output.textContent().catch(() => "")) ?? "").length);
      if (finished === "true") break;
      await ann.waitForTimeout(40);
    }
    await ann.locator('#task-view-heading ~ div [data-status="succeeded"]').waitFor();
    expect(await output.textContent()).toMatch(/^Echo: Tell the e2e suite a story/);
    expect([...lengths].filter((n) => n > 0).length).toBeGreaterThan(2);
    // Issue 19: the prompt, the backend that ran it and the tokens it reported.
    await expect.poll(() => ann.getByLabel("Task prompt").textContent()).toContain("e2e suite");
    expect(await ann.getByTestId("task-backend").textContent()).toMatch(/^Backend local-llm/);
    expect(await ann.getByTestId("task-tokens").textContent()).toMatch(/^Tokens: \d+ prompt \+ \d+ completion/);
    await shot(ann, "08-task-succeeded", true);

    await ann.getByLabel("Max tokens").fill("4096");
    await ann.getByLabel("Prompt", { exact: true }).fill("A very long answer, please");
    await ann.getByRole("button", { name: "Run llm.chat" }).click();
    await ann.locator('#task-view-heading ~ div [data-status="running"]').waitFor({ timeout: 30_000 });
    await ann.getByRole("button", { name: "Cancel" }).click();
    await ann.locator('#task-view-heading ~ div [data-status="canceled"]').waitFor();
    await ann.getByTestId("task-partial").waitFor({ timeout: 10_000 });
    await ann.locator('.task-list [data-status="canceled"]').first().waitFor({ timeout: 10_000 });
    await shot(ann, "09-task-canceled");
  });

  it("the server restarts mid-chat: the page reconnects and shows every message once", async () => {
    const title = `#${channel}`;
    for (const page of [ann, ben]) {
      await openRooms(page);
      await page.locator(".room-list a", { hasText: title }).first().click();
      await roomConnected(page);
    }
    await send(ann, title, "before the restart");
    await waitForBody(ben, "before the restart");
    await plaza.restart(async () => {
      // While the server is down: the pages say so, and Ann's message waits in her outbox.
      await ann.locator('[aria-label="Connection: Reconnecting…"]').waitFor({ timeout: 20_000 });
      await send(ann, title, "sent while the server was down");
      await ann.locator("li.msg.pending", { hasText: "sent while the server was down" }).waitFor();
      await shot(ann, "10-reconnecting");
    });
    await Promise.all(
      [ann, ben].map((p) => p.locator('[aria-label="Connection: Connected"]').waitFor({ timeout: 60_000 })),
    );
    await Promise.all([roomConnected(ann), roomConnected(ben)]);
    await send(ben, title, "after the restart");
    const expected = ["before the restart", "sent while the server was down", "after the restart"];
    await Promise.all([waitForBody(ann, "after the restart"), waitForBody(ben, "after the restart")]);
    await waitForBody(ben, "sent while the server was down");
    const [seenByAnn, seenByBen] = await Promise.all([bodies(ann), bodies(ben)]);
    expect(seenByAnn).toEqual(seenByBen);
    expect(seenByAnn.slice(-3)).toEqual(expected);
    expect(new Set(seenByAnn).size).toBe(seenByAnn.length); // every message once
    await expect.poll(() => ann.locator("li.msg.pending").count(), { timeout: 10_000 }).toBe(0);
    await shot(ann, "11-after-restart");
  });

  it("works at phone width, and signing out returns to the sign-in page", async () => {
    const phone = await personPage(browser, plaza.url, { width: 390, height: 844 });
    pageErrors.push(phone.errors);
    await phone.page.goto("/");
    await phone.page.getByLabel("Username").fill("alice");
    await phone.page.getByLabel("Password").fill("wrong password");
    await phone.page.getByRole("button", { name: "Sign in" }).click();
    expect(await phone.page.getByRole("alert").textContent()).toMatch(/Wrong username or password/);
    await phone.page.getByLabel("Password").fill("plaza-demo-password");
    await phone.page.getByRole("button", { name: "Sign in" }).click();
    await phone.page.locator("article.post").first().waitFor();
    const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390); // no sideways scrolling
    await shot(phone.page, "12-phone-feed");
    await openRooms(phone.page);
    await phone.page.locator(".room-list a", { hasText: "#lobby" }).first().click();
    await roomConnected(phone.page);
    await shot(phone.page, "13-phone-room");
    await phone.page.getByRole("button", { name: "Sign out" }).click();
    await phone.page.getByRole("heading", { name: "Sign in to Plaza" }).waitFor();
    await phone.page.context().close();
  });
});

// Moderation in a real browser against a real `npm start`: a person reports a post from the
// feed, a moderator (made with `npm run plaza -- admin grant`) sees it on the moderation page
// with the content as reported and suspends its author in one click, and the author's open page
// says the account is suspended. Screenshots go to test-results/e2e/.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { root } from "../node/support/serve.ts";
import { type Plaza, startPlaza } from "../web/support/plaza.ts";
import { launchBrowser, personPage, shot } from "./support/browser.ts";

const PASSWORD = "a long e2e password";
const tag = Date.now().toString(36).slice(-5);
const names = { author: `auth_${tag}`, reporter: `rep_${tag}`, moderator: `mod_${tag}` };

async function api(plaza: Plaza, path: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${plaza.url}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return (await res.json()) as Record<string, unknown>;
}

async function signIn(page: Page, username: string): Promise<void> {
  await page.goto("/#/login");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("link", { name: `@${username}` }).waitFor();
}

describe("moderation in the browser", () => {
  let plaza: Plaza;
  let browser: Browser;
  let author: Page;
  let reporter: Page;
  let moderator: Page;
  const pageErrors: string[][] = [];
  const postText = `buy cheap watches ${tag}`;

  beforeAll(async () => {
    [plaza, browser] = await Promise.all([startPlaza(["--no-seed"]), launchBrowser()]);
    for (const username of Object.values(names)) {
      await api(plaza, "/v1/auth/register", { username, password: PASSWORD });
    }
    const login = await api(plaza, "/v1/auth/login", { username: names.author, password: PASSWORD });
    await api(plaza, "/v1/posts", { content: postText }, login.accessToken as string);
    // The first moderator is made by the command, on the server's own state.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["scripts/plaza.ts", "admin", "grant", names.moderator, "--role", "moderator", "--persist-to", plaza.state],
      { cwd: root },
    );
    expect(stdout).toContain(`${names.moderator} (`);
    expect(stdout).toContain("is now moderator");
    const pages = await Promise.all([1, 2, 3].map(() => personPage(browser, plaza.url)));
    [author, reporter, moderator] = pages.map((p) => p.page) as [Page, Page, Page];
    pageErrors.push(...pages.map((p) => p.errors));
  });

  afterAll(async () => {
    await browser?.close();
    await plaza?.stop();
    expect(pageErrors.flat()).toEqual([]);
  });

  it("a person reports a post from the feed", async () => {
    await signIn(author, names.author);
    await signIn(reporter, names.reporter);
    // Only moderators see the moderation page in the navigation.
    await expect(reporter.getByRole("link", { name: "Moderation" }).count()).resolves.toBe(0);
    const post = reporter.locator("article.post").filter({ hasText: postText });
    await post.getByRole("button", { name: "Report", exact: true }).click();
    const form = post.getByRole("form", { name: /^Report / });
    await form.getByLabel("Reason").selectOption("spam");
    await form.getByLabel("Note for the moderators (optional)").fill("obvious spam");
    await form.getByRole("button", { name: "Send report" }).click();
    await post.getByRole("status").getByText("Reported. Thank you.").waitFor();
    await shot(reporter, "moderation-reported");
  });

  it("a moderator sees the report with the content and suspends the author in one click", async () => {
    await signIn(moderator, names.moderator);
    await moderator.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Moderation" }).click();
    const reports = moderator.getByRole("list", { name: "Open reports" });
    const item = reports.locator("li").filter({ hasText: postText });
    await item.waitFor();
    await expect(item.textContent()).resolves.toContain("obvious spam");
    await shot(moderator, "moderation-page");
    await item.getByRole("button", { name: "Suspend author" }).click();
    await item.waitFor({ state: "detached" });
    await moderator.getByText("No open reports.").waitFor();
  });

  it("the author's page says the account is suspended", async () => {
    await author.reload();
    await author.getByRole("status").getByText("Your account is suspended.").waitFor();
    await shot(author, "moderation-suspended");
  });
});

// Reactions in a real browser against a real `npm start`: one person reacts from the picker,
// the other sees the chip live and adds to it (highlighted as theirs), a click takes it away
// again, and a reload shows the same counts from history. Screenshots go to test-results/e2e/.
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Plaza, startPlaza } from "../web/support/plaza.ts";
import { launchBrowser, personPage, shot } from "./support/browser.ts";

const PASSWORD = "a long e2e password";
const tag = Date.now().toString(36).slice(-5);
const names = { ann: `rann_${tag}`, ben: `rben_${tag}` };

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

async function openRoom(page: Page, roomId: string): Promise<void> {
  await page.goto(`/#/rooms/${roomId}`);
  await page.locator('[aria-label="Room connection: Connected"]').waitFor({ timeout: 60_000 });
}

/** The reactions of message `seq` on the page. */
const reactionsOf = (page: Page, seq: number): Locator =>
  page.getByRole("group", { name: `Reactions to message ${seq}` });
const chip = (page: Page, seq: number, emoji: string): Locator =>
  reactionsOf(page, seq).locator("button.reaction").filter({ hasText: emoji });

describe("reactions in the browser", () => {
  let plaza: Plaza;
  let browser: Browser;
  let ann: Page;
  let ben: Page;
  let roomId: string;
  const pageErrors: string[][] = [];

  beforeAll(async () => {
    [plaza, browser] = await Promise.all([startPlaza(["--no-seed"]), launchBrowser()]);
    const ids: string[] = [];
    for (const username of Object.values(names)) {
      const user = (await api(plaza, "/v1/auth/register", { username, password: PASSWORD })).user as { id: string };
      ids.push(user.id);
    }
    const login = await api(plaza, "/v1/auth/login", { username: names.ann, password: PASSWORD });
    const token = login.accessToken as string;
    const room = await api(plaza, "/v1/rooms", { kind: "group", name: `react ${tag}`, memberIds: [ids[1]] }, token);
    roomId = room.id as string;
    await api(plaza, `/v1/rooms/${roomId}/messages`, { clientMsgId: "hello", body: "Who is in for lunch?" }, token);
    const pages = await Promise.all([1, 2].map(() => personPage(browser, plaza.url)));
    [ann, ben] = pages.map((p) => p.page) as [Page, Page];
    pageErrors.push(...pages.map((p) => p.errors));
  });

  afterAll(async () => {
    await browser?.close();
    await plaza?.stop();
    expect(pageErrors.flat()).toEqual([]);
  });

  it("a reaction from the picker appears live for the other person, who adds to it; a click takes it away", async () => {
    await Promise.all([signIn(ann, names.ann), signIn(ben, names.ben)]);
    await Promise.all([openRoom(ann, roomId), openRoom(ben, roomId)]);

    await reactionsOf(ben, 1).getByRole("button", { name: "Add a reaction to message 1" }).click();
    await ben.getByRole("menuitem", { name: "React with 🎉" }).click();
    await chip(ben, 1, "🎉").and(ben.locator('[aria-pressed="true"]')).waitFor();
    // Ann sees Ben's reaction live, not hers.
    const annChip = chip(ann, 1, "🎉");
    await annChip.and(ann.locator('[aria-pressed="false"]')).waitFor();
    expect(await annChip.textContent()).toBe("🎉 1");

    await annChip.click();
    await annChip.and(ann.locator('[aria-pressed="true"]')).getByText("2").waitFor();
    await chip(ben, 1, "🎉").getByText("2").waitFor();
    await reactionsOf(ann, 1).getByRole("button", { name: "Add a reaction to message 1" }).click();
    await ann.getByRole("menuitem", { name: "React with 👍" }).click();
    await chip(ben, 1, "👍").getByText("1").waitFor();
    await shot(ann, "reactions-room");

    // Ben takes his 🎉 away; both pages show 1, Ann's still highlighted.
    await chip(ben, 1, "🎉").click();
    await chip(ben, 1, "🎉").and(ben.locator('[aria-pressed="false"]')).getByText("1").waitFor();
    await annChip.and(ann.locator('[aria-pressed="true"]')).getByText("1").waitFor();
  });

  it("a reload shows the same reactions from history", async () => {
    await ben.reload();
    await ben.locator('[aria-label="Room connection: Connected"]').waitFor({ timeout: 60_000 });
    const chips = reactionsOf(ben, 1).locator("button.reaction:not(.add)");
    await chips.first().waitFor();
    expect(await chips.allTextContents()).toEqual(["🎉 1", "👍 1"]);
    expect(await chips.evaluateAll((els) => els.map((e) => e.getAttribute("aria-pressed")))).toEqual([
      "false",
      "false",
    ]);
    await shot(ben, "reactions-reloaded");
  });
});

// Issue 16 in the browser: finding a person by the start of their display name from the
// header's search box (the people list links to their profile), and a room's notification
// settings (notify level and mute) chosen in the room view, kept after a reload and shown in
// the room list. Screenshots go to test-results/e2e/.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Plaza, startPlaza } from "../web/support/plaza.ts";
import { launchBrowser, personPage, shot } from "./support/browser.ts";

const PASSWORD = "a long e2e password";
const tag = Date.now().toString(36).slice(-5);
const names = { cleo: `cleo_${tag}`, dan: `dan_${tag}` };
const cleoDisplay = `Cleopatra ${tag.toUpperCase()}`;

async function signUp(page: Page, username: string, displayName: string): Promise<void> {
  await page.goto("/#/signup");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Display name").fill(displayName);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.getByRole("link", { name: `@${username}` }).waitFor();
}

describe("people search and room notification settings in the browser", () => {
  let plaza: Plaza;
  let browser: Browser;
  let cleo: Page;
  let dan: Page;
  const pageErrors: string[][] = [];

  beforeAll(async () => {
    [plaza, browser] = await Promise.all([startPlaza(["--no-seed"]), launchBrowser()]);
    const a = await personPage(browser, plaza.url);
    const b = await personPage(browser, plaza.url);
    [cleo, dan] = [a.page, b.page];
    pageErrors.push(a.errors, b.errors);
    await Promise.all([signUp(cleo, names.cleo, cleoDisplay), signUp(dan, names.dan, `Dan ${tag}`)]);
  });

  afterAll(async () => {
    await browser?.close();
    await plaza?.stop();
    expect(pageErrors.flat()).toEqual([]);
  });

  it("finds a person by the start of their display name, in any case, and opens their profile", async () => {
    const words = `cleopatra ${tag}`.slice(0, 12);
    await dan.getByRole("searchbox", { name: "Search posts and people" }).fill(words);
    await dan.getByRole("searchbox", { name: "Search posts and people" }).press("Enter");
    const found = dan.getByRole("list", { name: "People found" });
    await found.getByRole("link", { name: new RegExp(`@${names.cleo}`) }).waitFor();
    expect(await found.getByRole("listitem").count()).toBe(1);
    // Typing in the people box narrows as you type; a name nobody has says so.
    await dan.getByRole("searchbox", { name: "Find people" }).fill(`zz${tag}nobody`);
    await dan.getByText("Nobody by that name.").waitFor();
    await dan.getByRole("searchbox", { name: "Find people" }).fill(names.cleo.toUpperCase());
    await found.getByRole("link", { name: new RegExp(`@${names.cleo}`) }).waitFor();
    await shot(dan, "20-people-search");
    await found.getByRole("link", { name: new RegExp(`@${names.cleo}`) }).click();
    await dan.getByRole("heading", { name: new RegExp(cleoDisplay) }).waitFor();
  });

  it("sets a room's notifications and mute in the room view; they survive a reload and show in the room list", async () => {
    await dan.getByRole("button", { name: "Message" }).click();
    await dan.locator('[aria-label="Room connection: Connected"]').waitFor({ timeout: 60_000 });
    const roomId = decodeURIComponent(new URL(dan.url()).hash.split("/")[2] ?? "");
    const notify = dan.getByRole("combobox", { name: "Notifications" });
    const mute = dan.getByRole("combobox", { name: "Mute" });
    expect(await notify.inputValue()).toBe("all");
    expect(await mute.inputValue()).toBe("off");
    await notify.selectOption("mentions");
    await expect.poll(() => notify.isEnabled()).toBe(true);
    await mute.selectOption({ label: "Mute for 8 hours" });
    await expect.poll(() => mute.inputValue()).toBe("muted");
    const mutedLabel = await mute.locator("option:checked").textContent();
    expect(mutedLabel).toMatch(/^Muted until /);
    const listed = dan.locator(`.room-list a[data-room-id="${roomId}"] [aria-label="Notifications reduced"]`);
    await listed.first().waitFor();
    await shot(dan, "21-room-notify-settings");

    await dan.reload();
    await dan.locator('[aria-label="Room connection: Connected"]').waitFor({ timeout: 60_000 });
    await expect.poll(() => notify.inputValue()).toBe("mentions");
    await expect.poll(() => mute.inputValue()).toBe("muted");
    // Back to everything, unmuted: the list's mark goes away.
    await notify.selectOption("all");
    await expect.poll(() => notify.isEnabled()).toBe(true);
    await mute.selectOption("off");
    await expect.poll(() => listed.count()).toBe(0);
  });
});

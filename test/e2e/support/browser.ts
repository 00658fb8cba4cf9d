// Chromium for the e2e suite: Debian's /usr/bin/chromium (CHROMIUM_PATH to override) driven
// by playwright-core, headless, with no network chatter of its own. playwright's launch()
// gives every run a fresh temporary user-data-dir; each context is a separate person.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { root } from "../../node/support/serve.ts";

export const SCREENSHOTS = path.join(root, "test-results", "e2e");

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Launches Chromium (fails with a clear message when it is not installed). */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  try {
    return await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  } catch (err) {
    throw new Error(
      `could not start Chromium at ${executablePath} (apt-get install -y chromium): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** A page in a new browser context (its own storage: a different person), reporting page errors. */
export async function personPage(
  browser: Browser,
  baseUrl: string,
  viewport = { width: 1180, height: 820 },
): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport, baseURL: baseUrl, reducedMotion: "reduce" });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // A Content-Security-Policy violation is an error too (Chromium logs "Refused to ...").
  page.on("console", (m) => {
    if (/Refused to|Content Security Policy/i.test(m.text())) errors.push(`CSP: ${m.text()}`);
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  return { page, errors };
}

/** Saves a screenshot of the page to test-results/e2e/<name>.png. */
export async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage });
}

// `npm run plaza -- cron "*/5 * * * *" [--url URL] [--time ms]`: runs the Worker's cron handler
// now on a running `npm start` (or `wrangler dev --test-scheduled`), through the same
// /cdn-cgi/handler/scheduled endpoint, and prints the outcome. Exit code 1 if the run failed.
import { parseArgs } from "node:util";
import { plazaUrl } from "../lib/operator.ts";
import { checkCron } from "../serve/crons.ts";

export const summary = 'run a cron now on a running server: cron "*/5 * * * *" [--url URL] [--time EPOCH_MS]';

const USAGE = `Usage: npm run plaza -- cron "<expression>" [--url URL] [--time EPOCH_MS]`;

export async function run(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  const { cron, url, time } = parsed;
  const query = new URLSearchParams({ cron, format: "json", ...(time ? { time } : {}) });
  const target = `${plazaUrl(url)}/cdn-cgi/handler/scheduled?${query}`;
  let res: Response;
  try {
    res = await fetch(target);
  } catch (err) {
    console.error(
      `could not reach ${plazaUrl(url)} (is npm start running?): ${err instanceof Error ? err.message : err}`,
    );
    return 1;
  }
  const text = await res.text();
  const outcome = /^\{/.test(text) ? ((JSON.parse(text) as { outcome?: string }).outcome ?? text) : text;
  console.log(JSON.stringify({ cron, status: res.status, outcome }));
  return res.ok && outcome === "ok" ? 0 : 1;
}

function parse(args: string[]): { cron: string; url?: string; time?: string } {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { url: { type: "string" }, time: { type: "string" } },
  });
  const cron = positionals.join(" ").trim();
  if (!cron) throw new Error("a cron expression is required");
  checkCron(cron); // a typo fails here, not as an odd run on the server
  if (values.time !== undefined && !/^\d+$/.test(values.time)) throw new Error("--time: epoch milliseconds");
  return { cron, url: values.url, time: values.time };
}

// Local setup shared by `npm start` and `npm run dev`: secrets, D1 migrations and the web
// client (web/ built into public/, which Workers Static Assets serves).
import { ensureDevVars } from "./dev-vars.ts";
import { bin } from "./lib/paths.ts";
import { run } from "./lib/run.ts";
import { buildWeb } from "./web/build.ts";

export interface SetupOptions {
  /** Local state directory (wrangler's --persist-to); default .wrangler/state. */
  persistTo?: string;
  /** Keep wrangler's output unless it fails. */
  quiet?: boolean;
}

export async function setup(options: SetupOptions = {}): Promise<void> {
  ensureDevVars();
  if (!options.quiet) console.log("[setup] applying D1 migrations to the local database");
  const persist = options.persistTo ? ["--persist-to", options.persistTo] : [];
  await Promise.all([
    run(bin("wrangler"), ["d1", "migrations", "apply", "DB", "--local", ...persist], { quiet: options.quiet }),
    // ---- web: fails (and so stops npm start) when the client does not build or is over its size budget.
    buildWeb((line) => console.log(`[setup] ${line}`)),
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) await setup();

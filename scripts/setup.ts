// Local setup shared by `npm start` and `npm run dev`: secrets and D1 migrations.
import { ensureDevVars } from "./dev-vars.ts";
import { bin } from "./lib/paths.ts";
import { run } from "./lib/run.ts";

export async function setup(): Promise<void> {
  ensureDevVars();
  console.log("[setup] applying D1 migrations to the local database");
  await run(bin("wrangler"), ["d1", "migrations", "apply", "DB", "--local"]);
}

if (import.meta.url === `file://${process.argv[1]}`) await setup();

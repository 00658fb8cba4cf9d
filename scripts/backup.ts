// `npm run backup -- --to <dir> [--persist-to .wrangler/state]`: copies the local state (D1, the
// objects' SQLite, R2, KV) into a new directory with a manifest. Stop `npm start` first.
import path from "node:path";
import { parseArgs } from "node:util";
import { root } from "./lib/paths.ts";
import { backupState } from "./lib/state-copy.ts";

const { values } = parseArgs({
  options: { to: { type: "string" }, "persist-to": { type: "string", default: ".wrangler/state" } },
});
if (!values.to) {
  console.error("usage: npm run backup -- --to <new dir> [--persist-to .wrangler/state]");
  process.exit(2);
}
try {
  const manifest = backupState(path.resolve(root, values["persist-to"]), path.resolve(values.to));
  console.log(JSON.stringify({ backup: path.resolve(values.to), ...manifest }));
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}

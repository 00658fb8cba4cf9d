// `npm run restore -- --from <dir> [--persist-to .wrangler/state] [--force]`: brings a backup made
// by `npm run backup` back as the local state. Stop `npm start` first; existing state is kept
// unless --force.
import path from "node:path";
import { parseArgs } from "node:util";
import { root } from "./lib/paths.ts";
import { restoreState } from "./lib/state-copy.ts";

const { values } = parseArgs({
  options: {
    from: { type: "string" },
    "persist-to": { type: "string", default: ".wrangler/state" },
    force: { type: "boolean", default: false },
  },
});
if (!values.from) {
  console.error("usage: npm run restore -- --from <backup dir> [--persist-to .wrangler/state] [--force]");
  process.exit(2);
}
try {
  const target = path.resolve(root, values["persist-to"]);
  const manifest = restoreState(path.resolve(values.from), target, values.force);
  console.log(
    JSON.stringify({ restoredTo: target, from: manifest.createdAt, files: manifest.files, bytes: manifest.bytes }),
  );
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}

// Builds the Worker with wrangler's own bundler (`wrangler deploy --dry-run`), so `npm start`
// serves exactly what `wrangler deploy` would upload.
import { mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { bin, root } from "../lib/paths.ts";
import { run } from "../lib/run.ts";

/** A built bundle and how to clean it up. */
export interface Bundle {
  /** The entry module (index.js). */
  entry: string;
  remove(): Promise<void>;
}

/** A day: no run of npm start builds for that long, so an older bundle was left by a killed one. */
const STALE_MS = 86_400_000;

async function removeStaleBundles(parent: string): Promise<void> {
  for (const name of await readdir(parent)) {
    const dir = path.join(parent, name);
    if (name.startsWith("bundle-") && Date.now() - (await stat(dir)).mtimeMs > STALE_MS)
      await rm(dir, { recursive: true, force: true });
  }
}

/** The benchmark entry: the production Worker plus the /__bench/ routes (docs/decisions/0066). */
export const BENCH_ENTRY = "src/bench/index.ts";

/**
 * Bundles the Worker into a fresh directory under .wrangler/serve (one per run: runs may
 * overlap). `bench`: bundle the benchmark entry instead of wrangler.toml's `main`.
 */
export async function buildBundle({ bench = false }: { bench?: boolean } = {}): Promise<Bundle> {
  // Not .wrangler/tmp: wrangler sweeps that directory.
  const parent = path.join(root, ".wrangler", "serve");
  await mkdir(parent, { recursive: true });
  await removeStaleBundles(parent);
  const outdir = await mkdtemp(path.join(parent, "bundle-"));
  const remove = () => rm(outdir, { recursive: true, force: true });
  try {
    const entry = bench ? [path.join(root, BENCH_ENTRY)] : [];
    await run(bin("wrangler"), ["deploy", ...entry, "--dry-run", "--outdir", outdir], { quiet: true });
  } catch (err) {
    await remove();
    throw err;
  }
  // Plaza's bundle is one module; a wasm or text module would need module rules here.
  const modules = (await readdir(outdir)).filter((f) => /\.(m?js|wasm|bin|txt|html|sql)$/.test(f));
  if (modules.length !== 1 || modules[0] !== "index.js") {
    throw new Error(`expected one module (index.js) in ${outdir}, found: ${modules.join(", ")}`);
  }
  return { entry: path.join(outdir, "index.js"), remove };
}

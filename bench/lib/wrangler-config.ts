// A copy of wrangler.toml for `wrangler dev` with the rate limits a load test needs (wrangler
// dev has no flag for them; `npm start` has --ratelimit). Written as JSON with absolute paths,
// so it can live outside the project; the secrets still come from the project's .dev.vars.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { experimental_readRawConfig } from "wrangler";
import { root } from "./plaza.ts";

interface RawConfig {
  main?: string;
  assets?: { directory?: string };
  d1_databases?: { migrations_dir?: string }[];
  ratelimits?: { name: string; simple: { limit: number; period: number } }[];
}

/** Writes `<dir>/wrangler.json`: wrangler.toml with `limits` (NAME -> "LIMIT/PERIOD") applied. */
export async function wranglerConfigWithLimits(dir: string, limits: Record<string, string>): Promise<string> {
  const { rawConfig } = experimental_readRawConfig({ config: path.join(root, "wrangler.toml") }) as {
    rawConfig: RawConfig;
  };
  const abs = (p: string | undefined) => (p === undefined ? undefined : path.resolve(root, p));
  const config: RawConfig = {
    ...rawConfig,
    main: abs(rawConfig.main),
    ...(rawConfig.assets ? { assets: { ...rawConfig.assets, directory: abs(rawConfig.assets.directory) } } : {}),
    d1_databases: rawConfig.d1_databases?.map((db) => ({
      ...db,
      migrations_dir: abs(db.migrations_dir ?? "migrations"),
    })),
    ratelimits: rawConfig.ratelimits?.map((rl) => {
      const override = limits[rl.name];
      if (!override) return rl;
      const [limit, period] = override.split("/").map(Number);
      return { ...rl, simple: { limit: limit!, period: period! } };
    }),
  };
  const file = path.join(dir, "wrangler.json");
  await writeFile(file, JSON.stringify(config, null, 2));
  return file;
}

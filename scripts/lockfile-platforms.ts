// Keeps package-lock.json installable with `npm ci` on every platform.
//
// The registry this project is built against does not carry workerd's macOS and Windows
// binaries, so `npm install` here cannot record them, and `npm ci` then refuses the lockfile
// ("Missing: @cloudflare/workerd-darwin-64 from lock file"). This adds the missing entries
// with their `os`/`cpu`, so `npm ci` on Linux skips them without fetching, and on macOS or
// Windows npm resolves them from the public registry as usual.
//
//   node scripts/lockfile-platforms.ts          fix the lockfile in place
//   node scripts/lockfile-platforms.ts --check  exit 1 if an entry is missing
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { root } from "./lib/paths.ts";

interface LockEntry {
  version?: string;
  optionalDependencies?: Record<string, string>;
  [key: string]: unknown;
}

const PLATFORMS: Record<string, { os: string; cpu: string }> = {
  "@cloudflare/workerd-darwin-64": { os: "darwin", cpu: "x64" },
  "@cloudflare/workerd-darwin-arm64": { os: "darwin", cpu: "arm64" },
  "@cloudflare/workerd-linux-64": { os: "linux", cpu: "x64" },
  "@cloudflare/workerd-linux-arm64": { os: "linux", cpu: "arm64" },
  "@cloudflare/workerd-windows-64": { os: "win32", cpu: "x64" },
};

const file = path.join(root, "package-lock.json");
const lock = JSON.parse(readFileSync(file, "utf8")) as { packages: Record<string, LockEntry> };
const missing: string[] = [];

for (const [location, entry] of Object.entries(lock.packages)) {
  if (!location.endsWith("node_modules/workerd")) continue;
  const dir = location.slice(0, -"workerd".length); // ".../node_modules/"
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const platform = PLATFORMS[name];
    if (!platform) continue;
    // npm resolves a dependency in the nearest node_modules up the tree; a matching entry
    // there (same version) satisfies it.
    const candidates = [`${dir}${name}`, `node_modules/${name}`];
    if (candidates.some((c) => lock.packages[c]?.version === version)) continue;
    // Put it where npm put this workerd's installable siblings (same version), so the
    // nearest-node_modules lookup from this workerd finds the right version.
    const siblingsAt = (d: string) =>
      Object.keys(PLATFORMS).some((n) => n !== name && lock.packages[`${d}${n}`]?.version === version);
    const target = siblingsAt(dir) || !siblingsAt("node_modules/") ? `${dir}${name}` : `node_modules/${name}`;
    missing.push(`${target}@${version}`);
    lock.packages[target] = {
      version,
      cpu: [platform.cpu],
      license: "Apache-2.0",
      optional: true,
      os: [platform.os],
      engines: { node: ">=16" },
    };
  }
}

if (process.argv.includes("--check")) {
  if (missing.length > 0) {
    console.error(`package-lock.json lacks ${missing.join(", ")}; run: node scripts/lockfile-platforms.ts`);
    process.exit(1);
  }
} else if (missing.length > 0) {
  lock.packages = Object.fromEntries(
    Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))),
  );
  writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(`added ${missing.length} platform entries: ${missing.join(", ")}`);
}

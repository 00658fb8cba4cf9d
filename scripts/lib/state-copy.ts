// Copies Plaza's local state (<persist-to>/v3: D1, the objects' SQLite, R2, KV, cache) to and
// from a backup directory with a manifest. Run it with the server stopped: workerd holds the
// SQLite files open and a copy taken mid-write may be torn (`npm start` stops cleanly on Ctrl-C).
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

/** What a backup directory says about itself (manifest.json). */
export interface BackupManifest {
  format: "plaza-local-state/1";
  createdAt: string;
  source: string;
  files: number;
  bytes: number;
  /** Top-level stores copied (d1, do, kv, r2, ...). */
  stores: string[];
}

function walk(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const sub = walk(full);
      files += sub.files;
      bytes += sub.bytes;
    } else if (entry.isFile()) {
      files++;
      bytes += statSync(full).size;
    }
  }
  return { files, bytes };
}

/** Copies `<persistTo>/v3` into `<to>/v3` and writes `<to>/manifest.json`; `to` must be empty or new. */
export function backupState(persistTo: string, to: string): BackupManifest {
  const source = path.join(persistTo, "v3");
  if (!existsSync(source)) throw new Error(`no local state at ${source} (run npm start once, or pass --persist-to)`);
  if (existsSync(to) && readdirSync(to).length > 0) throw new Error(`${to} is not empty: back up into a new directory`);
  mkdirSync(to, { recursive: true });
  cpSync(source, path.join(to, "v3"), { recursive: true });
  const { files, bytes } = walk(path.join(to, "v3"));
  const manifest: BackupManifest = {
    format: "plaza-local-state/1",
    createdAt: new Date().toISOString(),
    source,
    files,
    bytes,
    stores: readdirSync(path.join(to, "v3")).sort(),
  };
  writeFileSync(path.join(to, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Copies a backup into `<persistTo>/v3`; refuses to overwrite existing state unless `force`. */
export function restoreState(from: string, persistTo: string, force: boolean): BackupManifest {
  const manifestFile = path.join(from, "manifest.json");
  if (!existsSync(manifestFile)) throw new Error(`${from} has no manifest.json: not a Plaza backup`);
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as BackupManifest;
  if (manifest.format !== "plaza-local-state/1") throw new Error(`unknown backup format ${String(manifest.format)}`);
  const target = path.join(persistTo, "v3");
  if (existsSync(target) && readdirSync(target).length > 0 && !force)
    throw new Error(`${target} already holds state: restore into a fresh --persist-to, or pass --force to replace it`);
  mkdirSync(persistTo, { recursive: true });
  cpSync(path.join(from, "v3"), target, { recursive: true, force: true });
  const copied = walk(target);
  if (copied.files < manifest.files) throw new Error(`restored ${copied.files} of ${manifest.files} files`);
  return manifest;
}

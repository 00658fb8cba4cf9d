// The Cloudflare account through wrangler's own commands (its login, its account choice):
// what exists, and creating what does not. Only `npm run deploy` without --dry-run calls these.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { z } from "zod";
import { bin, root } from "../lib/paths.ts";
import type { AccountState } from "./plan.ts";

/** Runs `wrangler <args>`; resolves with its stdout, rejects with its output when it fails. */
export function wrangler(args: string[], options: { inherit?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin("wrangler"), args, {
      cwd: root,
      // CI=true: no interactive prompts (migrations apply, secret bulk on a new Worker).
      env: { ...process.env, CI: "true" },
      stdio: ["ignore", options.inherit ? "inherit" : "pipe", options.inherit ? "inherit" : "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr?.on("data", (c: Buffer) => (err += c.toString()));
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`wrangler ${args.join(" ")} exited with ${code}\n${out}${err}`)),
    );
  });
}

/** The JSON in wrangler's output (it may print a banner line before it). */
function parseJson<T>(text: string, schema: z.ZodType<T>): T {
  const start = text.search(/[[{]/);
  return schema.parse(JSON.parse(start < 0 ? "null" : text.slice(start)));
}

const D1List = z.array(z.object({ uuid: z.string(), name: z.string() }));
const KvList = z.array(z.object({ id: z.string(), title: z.string() }));
const SecretList = z.array(z.object({ name: z.string() }));

/** Lists what the account has; `config` is the generated config (names the Worker for secrets). */
export async function readAccount(config: string): Promise<AccountState> {
  const [d1, kv, r2, queues, secrets] = await Promise.all([
    wrangler(["d1", "list", "--json"]).then((t) => parseJson(t, D1List)),
    wrangler(["kv", "namespace", "list"]).then((t) => parseJson(t, KvList)),
    wrangler(["r2", "bucket", "list"]).then((t) => [...t.matchAll(/^name:\s+(\S+)/gm)].map((m) => m[1] ?? "")),
    // A table without a JSON form: every queue-name-shaped token is enough to test membership.
    wrangler(["queues", "list"]).then((t) => [...new Set(t.match(/[a-z0-9][a-z0-9-]*/g) ?? [])]),
    // A Worker that was never deployed has no secrets (and `secret list` fails).
    wrangler(["secret", "list", "--format", "json", "--config", config]).then(
      (t) => parseJson(t, SecretList).map((s) => s.name),
      () => [],
    ),
  ]);
  return { d1, kv, r2, queues, secrets };
}

/** Sets `names` as secrets of the Worker: PLAZA_SECRET_<NAME> from the environment, else random. */
export async function putSecrets(names: string[], config: string): Promise<void> {
  const values = Object.fromEntries(
    names.map((n) => [n, process.env[`PLAZA_SECRET_${n}`] ?? randomBytes(48).toString("base64url")]),
  );
  const dir = mkdtempSync(path.join(tmpdir(), "plaza-secrets-"));
  const file = path.join(dir, "secrets.json");
  try {
    writeFileSync(file, JSON.stringify(values), { mode: 0o600 });
    await wrangler(["secret", "bulk", file, "--config", config], { inherit: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The deploy plan: what exists, what `npm run deploy` creates, which ids go into the generated
// config, and the generated config itself (wrangler.toml with the real ids; the committed file
// is never edited). Pure functions: the account's state comes in, the plan goes out.
import { type DeclaredResources, kvTitle } from "./resources.ts";

/** What the account has, as far as the plan needs (undefined in --dry-run: nothing is asked). */
export interface AccountState {
  d1: { name: string; uuid: string }[];
  kv: { title: string; id: string }[];
  r2: string[];
  queues: string[];
  secrets: string[];
}

export type Step =
  | { kind: "create-d1"; name: string }
  | { kind: "create-kv"; binding: string; title: string }
  | { kind: "create-r2"; name: string }
  | { kind: "create-queue"; name: string }
  | { kind: "put-secrets"; names: string[] }
  | { kind: "migrate-d1"; name: string }
  | { kind: "deploy" };

export interface Plan {
  steps: Step[];
  /** The id each binding gets in the generated config (known ones only). */
  ids: { d1: Record<string, string>; kv: Record<string, string> };
}

/** Plans a deploy of `declared` onto `account`; without `account` (dry run) every check is "unknown". */
export function planDeploy(declared: DeclaredResources, account: AccountState | undefined): Plan {
  const steps: Step[] = [];
  const ids: Plan["ids"] = { d1: {}, kv: {} };
  for (const d of declared.d1) {
    const found = d.id ?? account?.d1.find((x) => x.name === d.name)?.uuid;
    if (found) ids.d1[d.binding] = found;
    else steps.push({ kind: "create-d1", name: d.name });
  }
  for (const k of declared.kv) {
    const title = kvTitle(declared.worker, k.binding);
    const found = k.id ?? account?.kv.find((x) => x.title === title)?.id;
    if (found) ids.kv[k.binding] = found;
    else steps.push({ kind: "create-kv", binding: k.binding, title });
  }
  for (const name of declared.r2) if (!account?.r2.includes(name)) steps.push({ kind: "create-r2", name });
  for (const name of declared.queues) if (!account?.queues.includes(name)) steps.push({ kind: "create-queue", name });
  const missingSecrets = declared.secrets.filter((s) => !account?.secrets.includes(s));
  if (missingSecrets.length > 0) steps.push({ kind: "put-secrets", names: missingSecrets });
  // Applying migrations and deploying are themselves idempotent: applied migrations are skipped,
  // and the same bundle deploys as the same version.
  for (const d of declared.d1) steps.push({ kind: "migrate-d1", name: d.name });
  steps.push({ kind: "deploy" });
  return { steps, ids };
}

/** One line per step, for the printed plan. */
export function describeStep(step: Step, dryRun: boolean): string {
  const maybe = dryRun ? " (if missing)" : "";
  switch (step.kind) {
    case "create-d1":
      return `create D1 database ${step.name}${maybe}`;
    case "create-kv":
      return `create KV namespace ${step.title} for ${step.binding}${maybe}`;
    case "create-r2":
      return `create R2 bucket ${step.name}${maybe}`;
    case "create-queue":
      return `create queue ${step.name}${maybe}`;
    case "put-secrets":
      return `set secrets ${step.names.join(", ")}${dryRun ? " (those not set yet)" : ""}`;
    case "migrate-d1":
      return `apply D1 migrations to ${step.name} (remote)`;
    case "deploy":
      return "wrangler deploy";
  }
}

/**
 * wrangler.toml's text with the given ids in place of the placeholders: `database_id` in the
 * [[d1_databases]] block of each binding, `id` in the [[kv_namespaces]] block of each binding.
 * Comments and everything else stay as written.
 */
export function renderConfig(toml: string, ids: Plan["ids"]): string {
  const blocks = toml.split(/(?=^\[)/m);
  return blocks
    .map((block) => {
      const binding = block.match(/^binding\s*=\s*"([^"]+)"/m)?.[1];
      if (!binding) return block;
      if (block.startsWith("[[d1_databases]]") && ids.d1[binding])
        return block.replace(/^database_id\s*=\s*"[^"]*"/m, `database_id = "${ids.d1[binding]}"`);
      if (block.startsWith("[[kv_namespaces]]") && ids.kv[binding])
        return block.replace(/^id\s*=\s*"[^"]*"/m, `id = "${ids.kv[binding]}"`);
      return block;
    })
    .join("");
}

// `npm run deploy [-- --dry-run] [--var NAME:VALUE ...]`: Plaza on Cloudflare in one command.
// Creates what wrangler.toml declares and the account lacks (D1, KV, R2, queues and their
// dead-letter queues), writes the real ids into a generated config (wrangler.deploy.toml,
// git-ignored; wrangler.toml is never edited), sets the required secrets not set yet, applies
// D1 migrations remotely and deploys. Running it again changes nothing. --dry-run asks the
// account nothing: it prints the plan and runs `wrangler deploy --dry-run` on the generated config.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { unstable_readConfig } from "wrangler";
import { putSecrets, readAccount, wrangler } from "./deploy/cloudflare.ts";
import { describeStep, planDeploy, renderConfig } from "./deploy/plan.ts";
import { declaredResources, kvTitle } from "./deploy/resources.ts";
import { root } from "./lib/paths.ts";

const { values } = parseArgs({
  options: {
    "dry-run": { type: "boolean", default: false },
    var: { type: "string", multiple: true, default: [] },
  },
});
const dryRun = values["dry-run"];
for (const v of values.var) if (!/^[A-Z0-9_]+:/.test(v)) throw new Error(`--var ${v}: expected NAME:VALUE`);
const varArgs = values.var.flatMap((v) => ["--var", v]);

const source = path.join(root, "wrangler.toml");
const generated = path.join(root, "wrangler.deploy.toml");
const declared = declaredResources(unstable_readConfig({ config: source }, { hideWarnings: true }));
const account = dryRun ? undefined : await readAccount(source);
const plan = planDeploy(declared, account);

console.log(
  `Plaza deploy plan for Worker "${declared.worker}"${dryRun ? " (dry run: the account is not asked)" : ""}:`,
);
for (const step of plan.steps) console.log(`  - ${describeStep(step, dryRun)}`);

const write = () => {
  writeFileSync(generated, renderConfig(readFileSync(source, "utf8"), plan.ids));
  console.log(`wrote ${path.relative(root, generated)}`);
};

if (dryRun) {
  write();
  await wrangler(["deploy", "--dry-run", "--outdir", ".wrangler/dry-run", "--config", generated, ...varArgs], {
    inherit: true,
  });
  process.exit(0);
}

for (const step of plan.steps) {
  switch (step.kind) {
    case "create-d1":
      await wrangler(["d1", "create", step.name], { inherit: true });
      break;
    case "create-kv":
      await wrangler(["kv", "namespace", "create", step.title], { inherit: true });
      break;
    case "create-r2":
      await wrangler(["r2", "bucket", "create", step.name], { inherit: true });
      break;
    case "create-queue":
      await wrangler(["queues", "create", step.name], { inherit: true });
      break;
    default:
      continue;
  }
}
// Ids of what was just created, from the account itself.
const after = await readAccount(source);
for (const d of declared.d1) plan.ids.d1[d.binding] ??= after.d1.find((x) => x.name === d.name)?.uuid ?? "";
for (const k of declared.kv)
  plan.ids.kv[k.binding] ??= after.kv.find((x) => x.title === kvTitle(declared.worker, k.binding))?.id ?? "";
write();
for (const step of plan.steps) {
  if (step.kind === "put-secrets") await putSecrets(step.names, generated);
  if (step.kind === "migrate-d1")
    await wrangler(["d1", "migrations", "apply", step.name, "--remote", "--config", generated], { inherit: true });
  if (step.kind === "deploy") await wrangler(["deploy", "--config", generated, ...varArgs], { inherit: true });
}
console.log("deployed");

// `npm run deploy`'s plan over the real wrangler.toml: what a fresh account gets created, that a
// second run on an account that has everything creates nothing, and the generated config (the
// committed file with the real ids, nothing else changed). The account is given, not asked:
// the dry run (`npm run deploy -- --dry-run`, in `npm test`) covers the wrangler side.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { type AccountState, planDeploy, renderConfig } from "../../scripts/deploy/plan.ts";
import { declaredResources } from "../../scripts/deploy/resources.ts";
import { root } from "./support/serve.ts";

const source = path.join(root, "wrangler.toml");
const toml = readFileSync(source, "utf8");
const declared = declaredResources(unstable_readConfig({ config: source }, { hideWarnings: true }));
const D1_ID = "7c1a9c4e-4b8e-4f0e-9a51-1f3b2d9e0a11";
const KV_ID = "3f2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d";

const full: AccountState = {
  d1: [{ name: "plaza", uuid: D1_ID }],
  kv: [{ title: "plaza-CACHE", id: KV_ID }],
  r2: ["plaza-media"],
  queues: ["plaza-events", "plaza-events-dlq", "plaza-fanout", "plaza-tasks", "plaza-tasks-dlq"],
  secrets: ["JWT_SECRET", "PASSWORD_PEPPER", "BACKEND_TOKEN", "VAPID_PRIVATE_KEY"],
};

describe("npm run deploy: the plan", () => {
  it("declares every queue, dead-letter queues included, and the required secrets", () => {
    expect(declared.queues).toEqual(full.queues);
    expect(declared.secrets).toEqual(full.secrets);
    expect(declared.d1).toEqual([{ binding: "DB", name: "plaza", id: undefined }]);
  });

  it("creates everything on an empty account, then migrates and deploys", () => {
    const empty: AccountState = { d1: [], kv: [], r2: [], queues: [], secrets: [] };
    const kinds = planDeploy(declared, empty).steps.map((s) => s.kind);
    expect(kinds).toEqual([
      "create-d1",
      "create-kv",
      "create-r2",
      ...full.queues.map(() => "create-queue"),
      "put-secrets",
      "migrate-d1",
      "deploy",
    ]);
  });

  it("creates nothing and sets no secret on a second run", () => {
    const plan = planDeploy(declared, full);
    expect(plan.steps).toEqual([{ kind: "migrate-d1", name: "plaza" }, { kind: "deploy" }]);
    expect(plan.ids).toEqual({ d1: { DB: D1_ID }, kv: { CACHE: KV_ID } });
  });

  it("sets only the secrets that are missing", () => {
    const plan = planDeploy(declared, { ...full, secrets: ["JWT_SECRET", "BACKEND_TOKEN"] });
    expect(plan.steps).toContainEqual({ kind: "put-secrets", names: ["PASSWORD_PEPPER", "VAPID_PRIVATE_KEY"] });
  });

  it("writes the ids into a copy of wrangler.toml and changes nothing else", () => {
    const out = renderConfig(toml, planDeploy(declared, full).ids);
    expect(out).toContain(`database_id = "${D1_ID}"`);
    expect(out).toContain(`id = "${KV_ID}"`);
    expect(out.split("\n").length).toBe(toml.split("\n").length);
    const changed = out.split("\n").filter((line, i) => line !== toml.split("\n")[i]);
    expect(changed).toEqual([`database_id = "${D1_ID}"`, `id = "${KV_ID}"`]);
    // The rendered config reads back with the real ids.
    expect(renderConfig(out, planDeploy(declared, full).ids)).toBe(out);
  });
});

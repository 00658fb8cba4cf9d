// Child process of `npm start`: reads wrangler.toml (and .dev.vars) with wrangler's helpers and
// sends the result to its parent over IPC. See plaza-config.ts.
import path from "node:path";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from "wrangler";
import { z } from "zod";
import { root } from "../lib/paths.ts";
import type { PlazaConfig, WorkerOptions } from "./plaza-config.ts";

// The part of wrangler's resolved config serve mode reads (wrangler ships no types for it).
const ConfigSubset = z.object({
  name: z.string().min(1),
  triggers: z.object({ crons: z.array(z.string()).default([]) }),
  vars: z.record(z.string(), z.unknown()).default({}),
  queues: z.object({ producers: z.array(z.object({ binding: z.string() })).default([]) }),
});

const config: unknown = unstable_readConfig({ config: path.join(root, "wrangler.toml") }, { hideWarnings: true });
const { workerOptions } = unstable_getMiniflareWorkerOptions(
  config as Parameters<typeof unstable_getMiniflareWorkerOptions>[0],
) as {
  workerOptions: WorkerOptions;
};
// The assets router's rules (what run_worker_first became), for serve mode's direct routes.
const RoutingSubset = z.object({
  assets: z
    .object({
      routerConfig: z
        .object({
          static_routing: z
            .object({ user_worker: z.array(z.string()).optional(), asset_worker: z.array(z.string()).optional() })
            .optional(),
        })
        .optional(),
    })
    .optional(),
});
const subset = ConfigSubset.parse(config);
const result: PlazaConfig = {
  name: subset.name,
  crons: subset.triggers.crons,
  vars: subset.vars,
  queues: subset.queues.producers.map((p) => p.binding),
  workerOptions,
  staticRouting: RoutingSubset.parse(workerOptions).assets?.routerConfig?.static_routing,
};
if (!process.send) throw new Error("read-wrangler-config.ts runs as a child of npm start (it answers over IPC)");
process.send(result, () => process.disconnect());

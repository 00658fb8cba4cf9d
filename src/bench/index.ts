// The benchmark entry point: the production Worker (src/index.ts) with the /__bench/ routes in
// front of it. Only `npm start` with BENCH_ROUTES = "on" builds this entry (scripts/serve/build.ts),
// for bench/ and local experiments; `wrangler deploy` uploads src/index.ts, which has no bench
// route at all (docs/decisions/0066).
import { app } from "../app";
import production from "../index";
import { inFlight, refuseWhileDraining } from "../lifecycle/in-flight";
import { benchRoute } from "./routes";

export * from "../index";

export default {
  ...production,
  fetch(request, env, ctx) {
    return (
      refuseWhileDraining() ?? inFlight(async () => (await benchRoute(request, env)) ?? app.fetch(request, env, ctx))
    );
  },
} satisfies ExportedHandler<Env>;

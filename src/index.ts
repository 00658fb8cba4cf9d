// Worker entry: HTTP (Hono), queue consumers (routed by queue name) and cron.
// The Durable Object classes are exported here so the runtime can find them.
import { app } from "./app";
import { runScheduled } from "./cron";
import { inFlight, refuseWhileDraining } from "./lifecycle/in-flight";
import { bindMetrics } from "./metrics";
import { consumeQueue } from "./queues";

// Production objects.
export { BackendPool } from "../durable/backend-pool";
export { Inbox } from "../durable/inbox";
export { Room } from "../durable/room";
export { TaskRun } from "../durable/task-run";
// Not an object: the named entrypoint `npm start` calls to drain and close sockets on shutdown.
export { ServeControl } from "./lifecycle/serve-control";
// Benchmark baselines, not production objects: wrangler.toml binds them, so the classes are
// exported, but only the benchmark entry (src/bench/index.ts) has routes that reach them.
export { BenchEchoRoom } from "../durable/bench/echo-room";
export { BenchPartyRoom } from "../durable/bench/party-room";

// Every handler run is counted, so a stopping local server can wait for running work.
export default {
  fetch(request, env, ctx) {
    bindMetrics(env);
    return refuseWhileDraining() ?? inFlight(() => app.fetch(request, env, ctx));
  },
  queue(batch, env, ctx) {
    bindMetrics(env);
    return inFlight(() => consumeQueue(batch, env, ctx));
  },
  scheduled(controller, env, ctx) {
    bindMetrics(env);
    return inFlight(() => runScheduled(controller, env, ctx));
  },
} satisfies ExportedHandler<Env>;

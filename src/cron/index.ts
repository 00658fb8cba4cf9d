// Cron entry point (`*/5 * * * *`): each sweep is independent and logged; one failing
// does not stop the others.
import { loadConfig } from "../config";
import { createDb } from "../db/client";
import { createLogger, describeError } from "../lib/log";
import { count } from "../metrics";
import { reconcileCounters } from "./counters";
import { sweepFeedRetention } from "./feed-retention";
import { sweepHotList } from "./hot-list";
import { sweepSessions } from "./sessions";
import { sweepTrendingTags } from "../services/tags";

/** The Worker's `scheduled` handler. */
export async function runScheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<void> {
  const config = loadConfig(env);
  const log = createLogger(config.logLevel, { cron: controller.cron });
  const db = createDb(env.DB);
  const now = controller.scheduledTime;
  const sweeps: Record<string, () => Promise<Record<string, unknown>>> = {
    sessions: () => sweepSessions(db, now),
    hotList: () => sweepHotList(db, env.CACHE, config.feed, now),
    trendingTags: () => sweepTrendingTags(db, env.CACHE, config.feed, now),
    feedRetention: () => sweepFeedRetention(db, env.MEDIA, config.feed, now),
    counters: async () => ({ ...(await reconcileCounters(db, log, now)) }),
  };
  for (const [name, run] of Object.entries(sweeps)) {
    try {
      const outcome = await run();
      log.info("cron sweep done", { sweep: name, ...outcome });
      count("plaza_cron_sweeps_total", { sweep: name, outcome: "ok" });
    } catch (err) {
      log.error("cron sweep failed", { sweep: name, ...describeError(err) });
      count("plaza_cron_sweeps_total", { sweep: name, outcome: "failed" });
    }
  }
  count("plaza_cron_runs_total", { cron: controller.cron, outcome: "ok" });
}

// Fires the Worker's cron triggers on their wrangler.toml schedule, as Cloudflare does:
// UTC, five fields, Quartz-style weekdays (1 = Sunday), L / W / #. `--cron-every <s>` fires
// every cron that often instead. Runs of one cron never overlap; each run is logged.
import { Cron } from "croner";
import type { ServeLog } from "./log.ts";

/** Runs the Worker's `scheduled` handler for `cron`; resolves with the handler's outcome. */
export type FireCron = (cron: string, scheduledTime: Date) => Promise<{ outcome: string }>;

export interface CronScheduler {
  /** Stops scheduling and waits for runs in progress. */
  stop(): Promise<void>;
}

const CLOUDFLARE_CRON = { timezone: "Etc/UTC", mode: "5-part", alternativeWeekdays: true } as const;

/** When `cron` fires next after `after`, by Cloudflare's rules; throws if `cron` is not valid. */
export function nextCronRun(cron: string, after = new Date()): Date | null {
  const job = new Cron(cron, { ...CLOUDFLARE_CRON, paused: true });
  try {
    return job.nextRun(after);
  } finally {
    job.stop();
  }
}

/** Throws if `cron` is not an expression Cloudflare would accept (as far as croner can tell). */
export function checkCron(cron: string): void {
  nextCronRun(cron);
}

/** Schedules every cron in `crons`. */
export function scheduleCrons(crons: string[], fire: FireCron, log: ServeLog, everySeconds?: number): CronScheduler {
  const running = new Set<Promise<void>>();

  const runOnce = async (cron: string, scheduledTime: Date, next: Date | null) => {
    const started = Date.now();
    try {
      const { outcome } = await fire(cron, scheduledTime);
      const fields = { cron, outcome, durationMs: Date.now() - started, next: next?.toISOString() };
      if (outcome === "ok") log.info("cron run", fields);
      else log.error("cron run failed", fields);
    } catch (err) {
      log.error("cron run failed", { cron, error: err instanceof Error ? err.message : String(err) });
    }
  };

  const jobs = crons.map((cron) => {
    checkCron(cron);
    const tick = (self: Cron): Promise<void> => {
      const run = runOnce(cron, self.currentRun() ?? new Date(), self.nextRun());
      running.add(run);
      return run.finally(() => running.delete(run));
    };
    const options = {
      name: `plaza:${cron}`,
      protect: () => log.warn("cron run skipped: the previous run is still going", { cron }),
    };
    return everySeconds
      ? // Every second, but at most once per `everySeconds` (croner's interval).
        new Cron("* * * * * *", { ...options, mode: "6-part", interval: everySeconds }, tick)
      : new Cron(cron, { ...options, ...CLOUDFLARE_CRON }, tick);
  });

  const schedule = everySeconds ? `every ${everySeconds}s (--cron-every)` : "on schedule (UTC)";
  log.info("crons scheduled", { crons: crons.join(", "), fire: schedule, next: jobs[0]?.nextRun()?.toISOString() });

  return {
    async stop() {
      for (const job of jobs) job.stop();
      await Promise.allSettled([...running]);
    },
  };
}

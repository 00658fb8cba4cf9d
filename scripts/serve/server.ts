// The serving process `npm start` launches: Plaza on Miniflare directly (no wrangler dev
// proxy in front), crons on schedule, companions beside it, and a clean stop. It runs in
// its own process group, so a terminal's Ctrl-C reaches only the launcher, which asks this
// process to stop; the runtime is never killed mid-request by the terminal.
import { Miniflare } from "miniflare";
import { scheduleCrons } from "./crons.ts";
import { companionsFor, startCompanions } from "./companions.ts";
import { createServeLog, type LogLevel } from "./log.ts";
import { buildMiniflareOptions, CONTROL_BINDING, readPlazaConfig } from "./miniflare-options.ts";
import { LOG_LEVELS, type ServeOptions } from "./options.ts";
import { type ServeControlStub, stopServer } from "./shutdown.ts";

/** What the launcher passes (argv[2], JSON). */
export interface ServerInput {
  options: ServeOptions;
  bundle: string;
}

// The Node side of Miniflare's proxies, as far as serve mode uses them (miniflare types them
// against @cloudflare/workers-types, which this project does not install for Node code).
interface WorkerHandle {
  scheduled(options: { cron: string; scheduledTime: Date }): Promise<{ outcome: string }>;
}
interface QueueHandle {
  metrics(): Promise<{ backlogCount: number }>;
}

/** Messages to the launcher over IPC. */
export type ServerMessage = { type: "ready"; url: string } | { type: "failed"; error: string };
/** Messages from the launcher over IPC. */
export type LauncherMessage = { type: "stop"; reason: string };

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

const tell = (message: ServerMessage) => process.send?.(message);

function effectiveLogLevel(options: ServeOptions, declared: unknown): LogLevel {
  const candidate = options.logLevel ?? options.vars.LOG_LEVEL ?? declared;
  return LOG_LEVELS.find((l) => l === candidate) ?? "info";
}

async function main({ options, bundle }: ServerInput): Promise<void> {
  const config = readPlazaConfig();
  const level = effectiveLogLevel(options, config.vars.LOG_LEVEL);
  const log = createServeLog(level, options.logFormat);
  const mf = new Miniflare(buildMiniflareOptions(config, options, bundle, level, log));
  const url = (await mf.ready).toString().replace(/\/$/, "");

  const bindings = await mf.getBindings<Record<string, unknown>>();
  // A typed RPC stub on the Node side of Miniflare's proxy (see ServeControlStub).
  const control = bindings[CONTROL_BINDING] as ServeControlStub;
  const queues = (await Promise.all(config.queues.map((binding) => mf.getQueueProducer(binding)))) as unknown as QueueHandle[];
  const worker = (await mf.getWorker()) as unknown as WorkerHandle;

  const crons = scheduleCrons(
    config.crons,
    (cron, scheduledTime) => worker.scheduled({ cron, scheduledTime }),
    log,
    options.cronEverySeconds,
  );
  const companions = startCompanions(companionsFor(url), log);

  let stopping: Promise<void> | undefined;
  const stop = (reason: string) => {
    if (stopping) {
      log.info("already stopping", { reason });
      return;
    }
    log.info("stopping", { reason, drainTimeoutMs: options.drainTimeoutMs });
    stopping = stopServer(
      {
        control,
        queueBacklog: async () => (await Promise.all(queues.map((q) => q.metrics()))).reduce((n, m) => n + m.backlogCount, 0),
        stopCrons: () => crons.stop(),
        stopCompanions: () => companions.stop(),
        stopRuntime: () => mf.dispose(),
      },
      log,
      options.drainTimeoutMs,
    )
      .then(() => process.exit(0))
      .catch(async (err: unknown) => {
        log.error("stop failed; stopping the runtime now", { error: err instanceof Error ? err.message : String(err) });
        await mf.dispose().catch(() => undefined);
        process.exit(1);
      });
  };
  // This process owns its signals. Miniflare and wrangler bundle signal-exit, which re-raises
  // a signal (killing the process mid-request) when it miscounts the other listeners.
  for (const signal of SIGNALS) {
    process.removeAllListeners(signal);
    process.on(signal, () => stop(signal));
  }
  process.on("message", (message: LauncherMessage) => {
    if (message.type === "stop") stop(message.reason);
  });
  // The launcher went away without asking (killed): stop rather than linger.
  process.on("disconnect", () => stop("launcher exited"));

  log.info("serving", { url, persistTo: options.persistTo, logLevel: level });
  tell({ type: "ready", url });
}

const input = JSON.parse(process.argv[2] ?? "null") as ServerInput | null;
if (!input) throw new Error("usage: node scripts/serve/server.ts '<ServerInput JSON>' (npm start runs this)");
main(input).catch((err: unknown) => {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  tell({ type: "failed", error: message });
  console.error(message);
  process.exit(1);
});

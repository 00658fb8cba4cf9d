// The serving process `npm start` launches: Plaza on Miniflare directly (no wrangler dev
// proxy in front), crons on schedule, companions beside it, and a clean stop. It runs in
// its own process group, so a terminal's Ctrl-C reaches only the launcher, which asks this
// process to stop over IPC; the runtime is never killed mid-request by the terminal.
import { Miniflare } from "miniflare";
import { companionsFor, startCompanions } from "./companions.ts";
import { scheduleCrons } from "./crons.ts";
import { createServeLog, type LogLevel } from "./log.ts";
import { buildMiniflareOptions, CONTROL_BINDING } from "./miniflare-options.ts";
import { LOG_LEVELS, type ServeOptions } from "./options.ts";
import type { PlazaConfig } from "./plaza-config.ts";
import { type ServeControlStub, stopServer } from "./shutdown.ts";

/** What the launcher sends to start serving. */
export interface ServerInput {
  options: ServeOptions;
  config: PlazaConfig;
  /** The Worker bundle's entry module. */
  bundle: string;
}

/** Messages from the launcher (IPC, structured clone: the config carries secrets, never argv). */
export type LauncherMessage = { type: "start"; input: ServerInput } | { type: "stop"; reason: string };
/** Messages to the launcher. */
export type ServerMessage = { type: "ready"; url: string } | { type: "failed"; error: string };

// The Node side of Miniflare's proxies, as far as serve mode uses them (miniflare types them
// against @cloudflare/workers-types, which this project does not install for Node code).
interface WorkerHandle {
  scheduled(options: { cron: string; scheduledTime: Date }): Promise<{ outcome: string }>;
}
interface QueueHandle {
  metrics(): Promise<{ backlogCount: number }>;
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const tell = (message: ServerMessage) => process.send?.(message);

let stopHandler: ((reason: string) => void) | undefined;
let pendingStop: string | undefined;
/** Stops now if serving, or as soon as serving starts. */
const requestStop = (reason: string): void => {
  if (stopHandler) stopHandler(reason);
  else pendingStop ??= reason;
};

function effectiveLogLevel(options: ServeOptions, declared: unknown): LogLevel {
  const candidate = options.logLevel ?? options.vars.LOG_LEVEL ?? declared;
  return LOG_LEVELS.find((l) => l === candidate) ?? "info";
}

async function serve({ options, config, bundle }: ServerInput): Promise<void> {
  const level = effectiveLogLevel(options, config.vars.LOG_LEVEL);
  const log = createServeLog(level, options.logFormat);
  const mf = new Miniflare(buildMiniflareOptions(config, options, bundle, level, log));
  // This process owns its signals. Miniflare bundles signal-exit, which re-raises a signal
  // (killing the process mid-request) when it miscounts the other listeners.
  for (const signal of SIGNALS) {
    process.removeAllListeners(signal);
    process.on(signal, () => requestStop(signal));
  }
  const url = (await mf.ready).toString().replace(/\/$/, "");

  const bindings = await mf.getBindings<Record<string, unknown>>();
  // Miniflare's proxy forwards RPC calls to the Worker's ServeControl entrypoint.
  const control = bindings[CONTROL_BINDING] as ServeControlStub;
  const queues = (await Promise.all(
    config.queues.map((binding) => mf.getQueueProducer(binding)),
  )) as unknown as QueueHandle[];
  const worker = (await mf.getWorker()) as unknown as WorkerHandle;
  const crons = scheduleCrons(
    config.crons,
    (cron, scheduledTime) => worker.scheduled({ cron, scheduledTime }),
    log,
    options.cronEverySeconds,
  );
  const companions = startCompanions(companionsFor(options), log);

  let stopping = false;
  stopHandler = (reason) => {
    if (stopping) return log.info("already stopping", { reason });
    stopping = true;
    log.info("stopping", { reason, drainTimeoutMs: options.drainTimeoutMs });
    const targets = {
      control,
      queueBacklog: async () =>
        (await Promise.all(queues.map((q) => q.metrics()))).reduce((n, m) => n + m.backlogCount, 0),
      stopCrons: () => crons.stop(),
      stopCompanions: () => companions.stop(),
      stopRuntime: () => mf.dispose(),
    };
    stopServer(targets, log, options.drainTimeoutMs).then(
      () => process.exit(0),
      async (err: unknown) => {
        log.error("stop failed; stopping the runtime now", { error: err instanceof Error ? err.message : String(err) });
        await mf.dispose().catch(() => undefined);
        process.exit(1);
      },
    );
  };

  log.info("serving", {
    url,
    persistTo: options.persistTo,
    logLevel: level,
    gpuBackend: `127.0.0.1:${options.gpuBackendPort}`,
  });
  tell({ type: "ready", url });
  if (pendingStop) stopHandler(pendingStop);
}

for (const signal of SIGNALS) process.on(signal, () => requestStop(signal));
// The launcher went away without asking (killed): stop rather than linger.
process.on("disconnect", () => requestStop("launcher exited"));
process.on("message", (message: LauncherMessage) => {
  if (message.type === "stop") return requestStop(message.reason);
  serve(message.input).catch((err: unknown) => {
    const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    if (process.send) process.send({ type: "failed", error } satisfies ServerMessage, () => process.exit(1));
    else process.exit(1);
  });
});

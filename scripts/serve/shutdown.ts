// The stop sequence on SIGINT/SIGTERM: stop the crons, refuse new requests (503
// shutting_down), let running requests, queue batches and pending queue messages finish,
// close every socket with 1001, stop the companions, then stop the runtime. Storage is
// SQLite in WAL mode, so every committed write is on disk by then. Every wait is bounded.
import { setTimeout as sleep } from "node:timers/promises";
import type { ServeLog } from "./log.ts";

/** The RPC surface of the Worker's ServeControl entrypoint (src/lifecycle/serve-control.ts). */
export interface ServeControlStub {
  drain(): Promise<void>;
  inFlight(): Promise<number>;
  goingAway(limit?: number): Promise<{ objects: number; sockets: number; failed: number; remaining: number }>;
}

export interface StopTargets {
  control: ServeControlStub;
  /** Messages waiting in each queue (queue name -> backlog). */
  queueBacklog(): Promise<number>;
  stopCrons(): Promise<void>;
  stopCompanions(): Promise<void>;
  stopRuntime(): Promise<void>;
}

const POLL_MS = 50;

/** Polls `done` until it holds or `deadline` passes; returns whether it held. */
async function waitUntil(done: () => Promise<boolean>, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    if (await done()) return true;
    await sleep(POLL_MS);
  }
  return done();
}

/** Runs the stop sequence; resolves when the runtime is gone. */
export async function stopServer(targets: StopTargets, log: ServeLog, drainTimeoutMs: number): Promise<void> {
  const started = Date.now();
  const deadline = started + drainTimeoutMs;
  await targets.stopCrons();
  await targets.control.drain();

  const drained = await waitUntil(
    async () => (await targets.control.inFlight()) === 0 && (await targets.queueBacklog()) === 0,
    deadline,
  );
  if (!drained) {
    log.warn("drain timed out; stopping with work still running", {
      inFlight: await targets.control.inFlight(),
      queued: await targets.queueBacklog(),
      drainTimeoutMs,
    });
  }

  let sockets = 0;
  let failed = 0;
  // Each call closes up to 100 objects' sockets; the bound stops a registry that never empties.
  for (let round = 0; round < 1_000 && Date.now() < deadline + 5_000; round++) {
    const report = await targets.control.goingAway(100);
    sockets += report.sockets;
    failed += report.failed;
    if (report.remaining === 0) break;
  }
  // The close frames are queued; give the runtime a moment to write them before it stops.
  if (sockets > 0) await sleep(Math.min(2_000, 100 + sockets / 5));

  await targets.stopCompanions();
  await targets.stopRuntime();
  log.info("stopped", {
    durationMs: Date.now() - started,
    socketsClosed: sockets,
    ...(failed ? { objectsFailed: failed } : {}),
  });
}

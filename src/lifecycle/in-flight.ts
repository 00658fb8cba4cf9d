// Work in flight in this isolate, and the drain switch a stopping server flips first: while
// draining, new HTTP requests get 503 `shutting_down` so the ones already running can finish.
import { errors, problemResponse } from "../errors";

let running = 0;
let draining = false;

/** Runs `work`, counting it as in flight until it settles. */
export async function inFlight<T>(work: () => T | Promise<T>): Promise<T> {
  running++;
  try {
    return await work();
  } finally {
    running--;
  }
}

/** Handler runs (HTTP requests, queue batches, cron runs) not finished yet. */
export function inFlightCount(): number {
  return running;
}

/** From now on, new HTTP requests are refused. There is no way back: the server is stopping. */
export function startDraining(): void {
  draining = true;
}

/** The answer to a request that arrives while draining, or undefined while serving normally. */
export function refuseWhileDraining(): Response | undefined {
  return draining ? problemResponse(errors.shuttingDown()) : undefined;
}

// ServeControl: the stop sequence of a local server (`npm start`), as RPC. It is a named
// entrypoint, so no HTTP route reaches it; only the process that runs the runtime can
// (Miniflare binds it for the serve script). On Cloudflare nothing binds it.
import { WorkerEntrypoint } from "cloudflare:workers";
import { forgetSocketOwner, socketOwnerCount, socketOwners } from "../../durable/socket-owners";
import { createLogger, describeError } from "../lib/log";
import { inFlightCount, startDraining } from "./in-flight";

/** What one `goingAway` call did. */
export interface GoingAwayReport {
  objects: number;
  sockets: number;
  failed: number;
  remaining: number;
}

export class ServeControl extends WorkerEntrypoint<Env> {
  /** Refuses new HTTP requests from now on (503 `shutting_down`); running work continues. */
  async drain(): Promise<void> {
    startDraining();
  }

  /** HTTP requests, queue batches and cron runs still running. */
  async inFlight(): Promise<number> {
    return inFlightCount();
  }

  /**
   * Tells up to `limit` socket-holding objects to close their sockets with 1001. Call it
   * until `remaining` is 0; each call is a fresh invocation, so its subrequests stay bounded.
   */
  async goingAway(limit = 100): Promise<GoingAwayReport> {
    const page = socketOwners(limit);
    const results = await Promise.allSettled(
      page.map(([id, binding]) => {
        const namespace = this.env[binding];
        return namespace.get(namespace.idFromString(id)).goingAway();
      }),
    );
    const report: GoingAwayReport = { objects: page.length, sockets: 0, failed: 0, remaining: 0 };
    results.forEach((result, i) => {
      const [id] = page[i]!;
      // The object removes itself when it closes its sockets; an unreachable one must not loop forever.
      forgetSocketOwner(id);
      if (result.status === "fulfilled") report.sockets += result.value;
      else {
        report.failed++;
        createLogger("error").error("closing sockets on shutdown failed", {
          objectId: id,
          ...describeError(result.reason),
        });
      }
    });
    report.remaining = socketOwnerCount();
    return report;
  }
}

// The idle-socket ramp: open sockets in steps up to a target, measure the server's memory
// (RSS of its whole process tree) at each step, prove every socket is still held with a
// round trip, and (where the server has rooms) send one broadcast that must reach them all.
import type WebSocket from "ws";
import { mib, treeUsage } from "./process-tree.ts";
import type { BenchServer } from "./servers.ts";
import { closeAll, openCount, openSockets, roundTripAll, type SocketSpec } from "./socket-pool.ts";

export interface RampStep {
  sockets: number;
  rssMiB: number;
}

export interface RampResult {
  target: number;
  /** Sockets open at the last step that succeeded. */
  reached: number;
  steps: RampStep[];
  /** Memory per 1,000 idle sockets: the RSS slope from 0 to `reached`. */
  mibPer1000: number;
  /** Sockets that answered a ping at the top (every socket held). */
  answeredPing: number;
  /** Sockets a broadcast reached at the top, or why it did not run. */
  broadcast: number | string;
  serverAlive: boolean;
  failure?: string;
}

export interface RampTarget {
  spec(i: number): SocketSpec;
  /** The round trip every held socket must answer (the runtime answers it without waking the object). */
  ping: { frame: string; answer: string };
  broadcast?: (sockets: WebSocket[]) => Promise<number>;
  /** Why there is no broadcast (when there is none). */
  broadcastPending?: string;
}

const settle = () => new Promise((r) => setTimeout(r, 1_500));

/** Ramps to `target` sockets in `step`s against `server`. Stops early if the server or a step fails. */
export async function idleSocketRamp(server: BenchServer, target: RampTarget, goal = 5_000, step = 1_000): Promise<RampResult> {
  const held: WebSocket[] = [];
  const steps: RampStep[] = [];
  let failure: string | undefined;
  try {
    await settle();
    steps.push({ sockets: 0, rssMiB: mib((await treeUsage(server.pid)).rssBytes) });
    while (held.length < goal) {
      const count = Math.min(step, goal - held.length);
      const opened = await openSockets(Array.from({ length: count }, (_, k) => target.spec(held.length + k)));
      held.push(...opened.sockets);
      await settle();
      const open = openCount(held);
      if (opened.failed > 0 || open < held.length || !server.alive()) {
        failure = `at ${held.length} sockets: ${opened.failed} failed to open, ${held.length - open} dropped${server.alive() ? "" : ", server exited"}${opened.failures.length ? ` (${opened.failures.join("; ")})` : ""}`;
        break;
      }
      steps.push({ sockets: held.length, rssMiB: mib((await treeUsage(server.pid)).rssBytes) });
    }
    const top = steps[steps.length - 1]!;
    const answeredPing = server.alive() ? await roundTripAll(held, target.ping.frame, target.ping.answer) : 0;
    let broadcast: number | string = target.broadcastPending ?? "not run";
    if (target.broadcast && server.alive() && !failure) broadcast = await target.broadcast(held);
    return {
      target: goal,
      reached: top.sockets,
      steps,
      mibPer1000: top.sockets > 0 ? (top.rssMiB - steps[0]!.rssMiB) / (top.sockets / 1000) : Number.NaN,
      answeredPing,
      broadcast,
      serverAlive: server.alive(),
      ...(failure ? { failure } : {}),
    };
  } finally {
    await closeAll(held);
  }
}

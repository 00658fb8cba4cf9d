// The idle-socket ramp: open sockets in steps up to a goal, measure the server's memory (RSS
// of its whole process tree) at each step, prove every socket is still held with a round
// trip, and send one broadcast that must reach them all.
import { mib, treeUsage } from "./process-tree.ts";
import type { BenchServer } from "./server.ts";
import { type BenchSocket, closeAll, openCount, roundTripAll } from "./sockets.ts";
import { sleep } from "./stats.ts";

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
  /** Sockets a broadcast reached at the top (undefined: not run). */
  broadcast: number | undefined;
  serverAlive: boolean;
  failure?: string;
}

export interface RampTarget {
  /** Opens socket number `i`. */
  open(i: number): Promise<BenchSocket>;
  /** The round trip every held socket must answer (the runtime answers it without waking the object). */
  ping: { frame: string; answer: string };
  /** Sends one message; resolves with how many of `sockets` received it. */
  broadcast(sockets: BenchSocket[]): Promise<number>;
}

const settle = () => sleep(1_500);
/** Idle clients still heartbeat (as the SDK does): the runtime answers without waking the object. */
const HEARTBEAT_MS = 30_000;

/** Opens `count` sockets from number `from`, `concurrency` at a time; counts failures. */
async function openRange(target: RampTarget, from: number, count: number, concurrency = 64) {
  const sockets: BenchSocket[] = [];
  const failures: string[] = [];
  let next = from;
  const worker = async () => {
    while (next < from + count) {
      const i = next++;
      try {
        sockets.push(await target.open(i));
      } catch (err) {
        failures.push(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { sockets, failures };
}

/** Ramps to `goal` sockets in `step`s against `server`. Stops early if the server or a step fails. */
export async function idleSocketRamp(
  server: BenchServer,
  target: RampTarget,
  goal = 5_000,
  step = 1_000,
): Promise<RampResult> {
  const held: BenchSocket[] = [];
  const steps: RampStep[] = [];
  const rss = async () => (server.pid === undefined ? Number.NaN : mib((await treeUsage(server.pid)).rssBytes));
  let failure: string | undefined;
  const heartbeat = setInterval(() => {
    for (const socket of held) if (socket.ws.readyState === socket.ws.OPEN) socket.send(target.ping.frame);
  }, HEARTBEAT_MS);
  try {
    await settle();
    steps.push({ sockets: 0, rssMiB: await rss() });
    while (held.length < goal) {
      const opened = await openRange(target, held.length, Math.min(step, goal - held.length));
      held.push(...opened.sockets);
      await settle();
      const open = openCount(held);
      if (opened.failures.length > 0 || open < held.length || !server.alive()) {
        failure = `at ${held.length} sockets: ${opened.failures.length} failed to open, ${held.length - open} dropped${server.alive() ? "" : ", server exited"}${opened.failures.length ? ` (${opened.failures.slice(0, 3).join("; ")})` : ""}`;
        break;
      }
      steps.push({ sockets: held.length, rssMiB: await rss() });
    }
    const top = steps[steps.length - 1]!;
    const answeredPing = server.alive() ? await roundTripAll(held, target.ping.frame, target.ping.answer) : 0;
    const broadcast = server.alive() && !failure ? await target.broadcast(held) : undefined;
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
    clearInterval(heartbeat);
    await closeAll(held);
  }
}

// Billable units per message, from Plaza's usage meter (GET /__bench/usage, src/lib/usage.ts):
// Durable Object SQLite rows read and written, D1 rows read and written, Durable Object RPCs
// and queue messages, counted in the isolate. A benchmark reads the totals before and after a
// measurement and divides the difference by the messages it published:
//
//   const meter = usageMeter(base);
//   await meter.start();            // settles, then reads the totals
//   ...publish `messages`...
//   await meter.stop();             // settles (deferred archive, queues), then reads again
//   const units = meter.result(messages);   // undefined when the server has no meter
//
// Settling: Plaza defers work past the last message (the room's archive flush after
// ROOM_ARCHIVE_DELAY_MS, then the EVENTS queue's batch timeout, then the D1 writes), so a
// reading waits until the totals have not moved for `quietMs`, at most `maxMs` (default 8 s;
// BENCH_SETTLE_MS raises it). Work still deferred then is missed and the result says so
// (`quiet: false`): its rows written are a lower bound.
import { z } from "zod";
import type { Usage } from "../../src/lib/usage.ts";
import { round, sleep } from "./stats.ts";

export type { Usage };

const UsageSchema = z.object({
  doRowsRead: z.number(),
  doRowsWritten: z.number(),
  d1RowsRead: z.number(),
  d1RowsWritten: z.number(),
  doRpcs: z.number(),
  queueMessages: z.number(),
}) satisfies z.ZodType<Usage>;

const UNITS = Object.keys(UsageSchema.shape) as (keyof Usage)[];

/** The totals counted so far, or undefined when the server has no usage meter (BENCH_ROUTES off, or older). */
export async function readUsage(base: string): Promise<Usage | undefined> {
  const res = await fetch(`${base}/__bench/usage`, { signal: AbortSignal.timeout(10_000) });
  if (res.status === 404) {
    await res.body?.cancel();
    return undefined;
  }
  if (!res.ok) throw new Error(`GET /__bench/usage: ${res.status}`);
  return UsageSchema.parse(await res.json());
}

export interface SettleOptions {
  /** The totals must stay unchanged this long (default 5.5 s: longer than each of Plaza's 5 s deferrals). */
  quietMs?: number;
  /** Give up waiting after this long (default BENCH_SETTLE_MS or 8 s). */
  maxMs?: number;
  /** Default 250 ms. */
  pollMs?: number;
}

export interface Settled {
  usage: Usage;
  /** How long the settle waited. */
  waitedMs: number;
  /** True when the totals were still for quietMs; false when maxMs ran out first. */
  quiet: boolean;
}

const sameUsage = (a: Usage, b: Usage) => UNITS.every((unit) => a[unit] === b[unit]);

/** Reads the totals once they stop moving (bounded); undefined when the server has no meter. */
export async function settleUsage(base: string, options: SettleOptions = {}): Promise<Settled | undefined> {
  const quietMs = options.quietMs ?? 5_500;
  const maxMs = options.maxMs ?? Number(process.env.BENCH_SETTLE_MS ?? 8_000);
  const pollMs = options.pollMs ?? 250;
  const started = Date.now();
  let last = await readUsage(base);
  if (!last) return undefined;
  let changedAt = started;
  for (let i = 0; i < 10_000; i++) {
    const now = Date.now();
    if (now - changedAt >= quietMs) return { usage: last, waitedMs: now - started, quiet: true };
    if (now - started >= maxMs) return { usage: last, waitedMs: now - started, quiet: false };
    await sleep(Math.min(pollMs, Math.max(0, started + maxMs - now)));
    const next = await readUsage(base);
    if (!next) return undefined;
    if (!sameUsage(next, last)) changedAt = Date.now();
    last = next;
  }
  return { usage: last, waitedMs: Date.now() - started, quiet: false };
}

/** after - before, unit by unit. */
export function usageDelta(before: Usage, after: Usage): Usage {
  return Object.fromEntries(UNITS.map((unit) => [unit, after[unit] - before[unit]])) as unknown as Usage;
}

/** Billable units per message published (0.01 precision; NaN when no message was published). */
export interface UnitsPerMessage {
  messages: number;
  /** Durable Object and D1 rows written together. */
  rowsWritten: number;
  doRowsWritten: number;
  d1RowsWritten: number;
  /** Durable Object and D1 rows read together. */
  rowsRead: number;
  doRowsRead: number;
  d1RowsRead: number;
  doRpcs: number;
  queueMessages: number;
}

/** `delta` divided by `messages`. */
export function perMessage(delta: Usage, messages: number): UnitsPerMessage {
  const per = (n: number) => (messages > 0 ? round(n / messages) : Number.NaN);
  return {
    messages,
    rowsWritten: per(delta.doRowsWritten + delta.d1RowsWritten),
    doRowsWritten: per(delta.doRowsWritten),
    d1RowsWritten: per(delta.d1RowsWritten),
    rowsRead: per(delta.doRowsRead + delta.d1RowsRead),
    doRowsRead: per(delta.doRowsRead),
    d1RowsRead: per(delta.d1RowsRead),
    doRpcs: per(delta.doRpcs),
    queueMessages: per(delta.queueMessages),
  };
}

/** One measurement's usage: the totals' difference, per message, and how the readings settled. */
export interface UsageWindow {
  delta: Usage;
  perMessage: UnitsPerMessage;
  settle: { beforeMs: number; afterMs: number; quiet: boolean };
}

export interface UsageMeter {
  /** Settles and reads the totals before the measured work. */
  start(): Promise<void>;
  /** Settles and reads the totals after it. */
  stop(): Promise<void>;
  /** The window between start and stop, per `messages`; undefined without a meter or before stop. */
  result(messages: number): UsageWindow | undefined;
}

/** A meter over one measurement on the server at `base`. */
export function usageMeter(base: string, options: SettleOptions = {}): UsageMeter {
  let before: Settled | undefined;
  let after: Settled | undefined;
  return {
    async start() {
      before = await settleUsage(base, options);
      after = undefined;
    },
    async stop() {
      after = before ? await settleUsage(base, options) : undefined;
    },
    result(messages) {
      if (!before || !after) return undefined;
      const delta = usageDelta(before.usage, after.usage);
      return {
        delta,
        perMessage: perMessage(delta, messages),
        settle: { beforeMs: before.waitedMs, afterMs: after.waitedMs, quiet: before.quiet && after.quiet },
      };
    },
  };
}

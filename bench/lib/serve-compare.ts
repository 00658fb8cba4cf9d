// The side-by-side table of `npm run bench:serve`: wrangler dev vs npm start, the ratio, the
// issue's target, and a verdict per target (met or NOT met).
import type { HttpResult } from "./http-load.ts";
import type { RampResult } from "./idle-ramp.ts";
import { fmt, table } from "./report.ts";
import type { FanoutResult } from "./room-fanout.ts";
import type { ServerKind } from "./server.ts";

export const TARGETS = { httpRatio: 4, fanoutRatio: 1.3, sockets: 5_000, memoryRatio: 0.5 };

export interface ServerRun {
  kind: ServerKind;
  /** RSS of the server's process tree right after it started, MiB. */
  idleRssMiB: number;
  http: HttpResult[];
  fanout: { name: string; result: FanoutResult }[];
  ramp: RampResult;
}

export type Verdicts = Record<string, boolean>;

const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : Number.NaN;

/** Builds the table and the verdicts for `dev` (baseline) vs `serve`. */
export function compare(dev: ServerRun, serve: ServerRun): { text: string; verdicts: Verdicts } {
  const rows: (string | number)[][] = [];
  const verdicts: Verdicts = {};
  const notes: string[] = [];

  for (const s of serve.http) {
    const d = dev.http.find((r) => r.name === s.name);
    const x = ratio(s.rps, d?.rps);
    verdicts[`${s.name} >= ${TARGETS.httpRatio}x req/s`] = x >= TARGETS.httpRatio;
    rows.push([`${s.name} req/s`, d?.rps ?? Number.NaN, s.rps, x, `>= ${TARGETS.httpRatio}x`]);
    rows.push([
      `  p50 / p99 ms`,
      `${fmt(d?.p50Ms ?? Number.NaN)} / ${fmt(d?.p99Ms ?? Number.NaN)}`,
      `${fmt(s.p50Ms)} / ${fmt(s.p99Ms)}`,
      "",
      "",
    ]);
    rows.push([
      `  server CPU ms per request`,
      d?.cpuMsPerRequest ?? Number.NaN,
      s.cpuMsPerRequest ?? Number.NaN,
      ratio(d?.cpuMsPerRequest, s.cpuMsPerRequest),
      "(dev / start)",
    ]);
  }
  for (const f of serve.fanout) {
    const d = dev.fanout.find((r) => r.name === f.name)?.result;
    const x = ratio(f.result.perSecond, d?.perSecond);
    rows.push([
      `${f.name} deliveries/s`,
      d?.perSecond ?? Number.NaN,
      f.result.perSecond,
      x,
      `>= ${TARGETS.fanoutRatio}x`,
    ]);
    rows.push([
      `  p50 / p99 ms`,
      `${fmt(d?.latency.p50 ?? Number.NaN)} / ${fmt(d?.latency.p99 ?? Number.NaN)}`,
      `${fmt(f.result.latency.p50)} / ${fmt(f.result.latency.p99)}`,
      "",
      "",
    ]);
    verdicts[`${f.name} >= ${TARGETS.fanoutRatio}x`] = x >= TARGETS.fanoutRatio;
  }
  const held = (r: RampResult) => `${r.reached}${r.failure ? " then failed" : ""}; ${r.answeredPing} answered`;
  rows.push([
    `idle sockets held (goal ${serve.ramp.target})`,
    held(dev.ramp),
    held(serve.ramp),
    "",
    `${TARGETS.sockets} held`,
  ]);
  verdicts[`${TARGETS.sockets} idle sockets held`] =
    serve.ramp.reached >= TARGETS.sockets && serve.ramp.answeredPing >= TARGETS.sockets;
  const reached = (r: RampResult) => (r.broadcast === undefined ? "not run" : String(r.broadcast));
  rows.push(["broadcast reached", reached(dev.ramp), reached(serve.ramp), "", "all of them"]);
  verdicts["a broadcast reaches all held sockets"] =
    serve.ramp.broadcast !== undefined && serve.ramp.broadcast === serve.ramp.reached;
  for (const r of [dev, serve]) if (r.ramp.failure) notes.push(`${r.kind} ramp: ${r.ramp.failure}`);
  rows.push(["RSS just started, MiB", dev.idleRssMiB, serve.idleRssMiB, ratio(serve.idleRssMiB, dev.idleRssMiB), ""]);
  const memRatio = ratio(serve.ramp.mibPer1000, dev.ramp.mibPer1000);
  rows.push([
    "MiB per 1,000 idle sockets",
    dev.ramp.mibPer1000,
    serve.ramp.mibPer1000,
    memRatio,
    `<= ${TARGETS.memoryRatio}x`,
  ]);
  verdicts[`memory per 1,000 idle sockets <= ${TARGETS.memoryRatio}x`] = memRatio <= TARGETS.memoryRatio;

  const lines = [
    table(["metric", "wrangler dev", "npm start", "ratio", "target"], rows),
    "",
    "ramp (sockets: RSS MiB of the whole process tree):",
    ...[dev, serve].map((r) => `  ${r.kind}: ${r.ramp.steps.map((s) => `${s.sockets}: ${fmt(s.rssMiB)}`).join(", ")}`),
    ...(notes.length ? ["", "notes:", ...notes.map((n) => `  ${n}`)] : []),
    "",
    "targets:",
    ...Object.entries(verdicts).map(([what, ok]) => `  ${ok ? "met    " : "NOT met"}  ${what}`),
  ];
  return { text: lines.join("\n"), verdicts };
}

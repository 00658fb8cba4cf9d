// Benchmark output: an aligned text table for people, JSON for machines (printed, and saved
// under bench/results/, which git ignores), and the machine's load, which every comparison
// on this shared machine must state.
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../results");

type Cell = string | number | boolean | null | undefined;

/** 1234.5 -> "1,235"; 1.234 -> "1.23"; integers as they are; NaN -> "-". */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return "-";
  if (Number.isInteger(n)) return n.toLocaleString("en-US");
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(2);
}

const text = (c: Cell) => (typeof c === "number" ? fmt(c) : String(c ?? ""));

/** Formats rows as a table with a header line; numeric columns are right-aligned. */
export function table(header: string[], rows: Cell[][]): string {
  const cells = [header, ...rows.map((row) => row.map(text))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === "number"));
  const line = (row: string[]) =>
    row
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(cells[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

/** A table whose columns are the keys of the first record. */
export function recordTable(rows: readonly Record<string, Cell>[]): string {
  const columns = Object.keys(rows[0] ?? {});
  return table(
    columns,
    rows.map((r) => columns.map((c) => r[c])),
  );
}

export interface Machine {
  cpus: number;
  /** 1, 5 and 15 minute load averages. */
  loadavg: number[];
  node: string;
  at: string;
}

/** Where and when a run happened, so figures can be compared with their context. */
export function machine(): Machine {
  return {
    cpus: os.cpus().length,
    loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
    node: process.version,
    at: new Date().toISOString(),
  };
}

/** "2 cpus, load 1.20 / 1.05 / 0.98 (1/5/15 min)" */
export const describeLoad = (m: Machine = machine()) =>
  `${m.cpus} cpus, load ${m.loadavg.map((l) => l.toFixed(2)).join(" / ")} (1/5/15 min)`;

/** Prints `result` as JSON (with the machine at the end of the run) and saves it as bench/results/<name>-<time>.json. */
export async function emitJson(name: string, result: Record<string, unknown>): Promise<void> {
  const json = JSON.stringify({ benchmark: name, ...result, machineAtEnd: machine() }, null, 2);
  console.log(`\n${json}`);
  await mkdir(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${name}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  await writeFile(file, `${json}\n`);
  console.log(`\n(saved ${path.relative(process.cwd(), file)}; machine now: ${describeLoad()})`);
}

// Benchmark output: an aligned text table for people, JSON for machines (printed, and saved
// under bench/results/, which git ignores).
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../results");

/** Formats rows as a table with a header line; numbers are right-aligned. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows].map((row) => row.map((c) => (typeof c === "number" ? fmt(c) : c)));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  const numeric = header.map((_, i) => rows.every((row) => typeof row[i] === "number"));
  const line = (row: string[]) =>
    row.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(cells[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

/** 1234.5 -> "1,235"; 1.234 -> "1.23". */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return "-";
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(2);
}

/** Where and when a run happened, so figures can be compared with their context. */
export function machine(): Record<string, unknown> {
  return { cpus: os.cpus().length, loadavg: os.loadavg().map((l) => Number(l.toFixed(2))), node: process.version, at: new Date().toISOString() };
}

/** Prints `result` as JSON and saves it as bench/results/<name>-<time>.json. */
export async function emitJson(name: string, result: unknown): Promise<void> {
  const json = JSON.stringify(result, null, 2);
  console.log(`\n${json}`);
  await mkdir(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${name}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  await writeFile(file, `${json}\n`);
  console.log(`\n(saved ${path.relative(process.cwd(), file)})`);
}

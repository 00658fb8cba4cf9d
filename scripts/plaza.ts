// `npm run plaza -- <command> [args]`: the operator's command line. Each command is one file
// in scripts/plaza/ exporting `summary` and `run(args)`; this file only finds and runs it, so
// adding a command touches nothing else.
import { readdirSync } from "node:fs";
import path from "node:path";
import { root } from "./lib/paths.ts";

/** What a command file in scripts/plaza/ exports. */
export interface PlazaCommand {
  /** One line for `npm run plaza -- help`. */
  summary: string;
  /** Runs the command; resolves with the process exit code. */
  run(args: string[]): Promise<number>;
}

const dir = path.join(root, "scripts", "plaza");
const names = readdirSync(dir)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.slice(0, -3))
  .sort();

async function load(name: string): Promise<PlazaCommand> {
  return (await import(path.join(dir, `${name}.ts`))) as PlazaCommand;
}

async function help(): Promise<void> {
  const lines = await Promise.all(names.map(async (n) => `  ${n.padEnd(10)} ${(await load(n)).summary}`));
  console.log(`Usage: npm run plaza -- <command> [args]\n\n${lines.join("\n")}`);
}

const [name, ...args] = process.argv.slice(2);
if (name === undefined || name === "help" || name === "--help") {
  await help();
  process.exit(name === undefined ? 2 : 0);
}
if (!names.includes(name)) {
  console.error(`unknown command "${name}"`);
  await help();
  process.exit(2);
}
process.exit(await (await load(name)).run(args));

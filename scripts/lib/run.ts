// Runs a command to completion, streaming its output, and fails loudly if it fails.
// `quiet` keeps the output unless the command fails: then it is part of the error.
import { spawn } from "node:child_process";
import { root } from "./paths.ts";

export function run(command: string, args: string[], options: { quiet?: boolean } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: options.quiet ? "pipe" : "inherit", env: process.env });
    const output: Buffer[] = [];
    child.stdout?.on("data", (chunk: Buffer) => output.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => output.push(chunk));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0) return resolve();
      const text = Buffer.concat(output).toString("utf8").trim();
      reject(new Error(`${command} ${args.join(" ")} exited with ${code}${text ? `:\n${text}` : ""}`));
    });
  });
}

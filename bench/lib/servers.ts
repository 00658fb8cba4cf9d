// The two ways to serve Plaza locally, started the same way for a side-by-side benchmark: the
// same bundle, a fresh state directory each, the same vars, a free port, quiet request logs.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { wranglerConfigWithLimits } from "./wrangler-config.ts";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const wranglerJs = path.join(root, "node_modules/wrangler/bin/wrangler.js");

export type ServerKind = "wrangler dev" | "npm start";

export interface BenchServer {
  kind: ServerKind;
  url: string;
  /** The top process: its tree is the server (node processes and workerd). */
  pid: number;
  /** The last lines it printed. */
  output: string[];
  /** Whether it is still running. */
  alive(): boolean;
  stop(): Promise<void>;
}

export interface ServeSetup {
  /** The Worker bundle (index.js) both servers run. */
  bundle: string;
  /** A fresh directory for this server: its state, and for wrangler dev its config copy. */
  dir: string;
  vars: Record<string, string>;
  /** Rate limiter overrides, NAME -> "LIMIT/PERIOD". */
  rateLimits: Record<string, string>;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no free port");
  return address.port;
}

function track(child: ChildProcess, kind: ServerKind, url: string, stopSignal: NodeJS.Signals): BenchServer {
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on("line", (line) => output.push(line) > 200 && output.shift());
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    kind,
    url,
    pid: child.pid!,
    output,
    alive,
    async stop() {
      if (!alive()) return;
      child.kill(stopSignal);
      const killed = await Promise.race([exited.then(() => true), sleep(30_000).then(() => false)]);
      if (!killed) child.kill("SIGKILL");
    },
  };
}

async function waitForHealth(server: BenchServer, timeoutMs: number): Promise<BenchServer> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && server.alive()) {
    if (await fetch(`${server.url}/healthz`).then((r) => r.ok, () => false)) return server;
    await sleep(250);
  }
  await server.stop();
  throw new Error(`${server.kind} did not serve ${server.url}:\n${server.output.slice(-30).join("\n")}`);
}

function run(args: string[]): Promise<void> {
  const child = spawn(process.execPath, args, { cwd: root, stdio: "ignore" });
  return new Promise((resolve, reject) =>
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(" ")} exited with ${code}`)))),
  );
}

const stateDir = (setup: ServeSetup) => path.join(setup.dir, "state");

/** `npm start` (scripts/start.ts) on `setup.bundle`, request logs off. */
export async function startNpmStart(setup: ServeSetup): Promise<BenchServer> {
  const port = await freePort();
  const args = [
    path.join(root, "scripts/start.ts"),
    ...["--port", String(port), "--bundle", setup.bundle, "--persist-to", stateDir(setup), "--no-seed", "--log-level", "warn"],
    ...Object.entries(setup.vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    ...Object.entries(setup.rateLimits).flatMap(([k, v]) => ["--ratelimit", `${k}=${v}`]),
  ];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  return waitForHealth(track(child, "npm start", `http://127.0.0.1:${port}`, "SIGTERM"), 120_000);
}

/** `wrangler dev` on `setup.bundle` (no rebuild: --no-bundle), its request logs off. */
export async function startWranglerDev(setup: ServeSetup): Promise<BenchServer> {
  await run([wranglerJs, "d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir(setup)]);
  const config = await wranglerConfigWithLimits(setup.dir, setup.rateLimits);
  const port = await freePort();
  const args = [
    wranglerJs,
    ...["dev", setup.bundle, "--config", config, "--env-file", path.join(root, ".dev.vars"), "--no-bundle"],
    ...["--ip", "127.0.0.1", "--port", String(port), "--persist-to", stateDir(setup)],
    ...["--log-level", "warn", "--show-interactive-dev-session=false"],
    ...Object.entries(setup.vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
  ];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  return waitForHealth(track(child, "wrangler dev", `http://127.0.0.1:${port}`, "SIGINT"), 120_000);
}

// The Plaza a benchmark runs against. By default a benchmark starts its own `npm start` on a
// free port with a fresh temporary state directory (reproducible: no stale state), the vars
// and rate limits it needs, and the reference GPU backend companion on another free port
// (BACKENDS pointed at it). With PLAZA_URL set it uses that running server instead.
// `bench:serve` also starts `wrangler dev` on the same bundle for its side-by-side run.
// BENCH_SERVER_LOG=<file> appends everything the started server prints to that file.
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { experimental_readRawConfig } from "wrangler";
import { isServing, root } from "./plaza.ts";
import { serverPidForPort, treePids } from "./process-tree.ts";
import { sleep } from "./stats.ts";
import { wranglerConfigWithLimits } from "./wrangler-config.ts";

export type ServerKind = "npm start" | "wrangler dev" | "external";

export interface BenchServer {
  kind: ServerKind;
  url: string;
  /** The top process: its tree is the server (node processes and workerd); undefined if unknown. */
  pid: number | undefined;
  /** The last lines it printed. */
  output: string[];
  alive(): boolean;
  /** Stops it cleanly (npm start drains; bounded, then SIGKILL) and removes its temporary state. */
  stop(): Promise<void>;
  /** SIGKILL to every process of the server at once: a crash, state stays on disk. */
  crash(): Promise<void>;
}

export interface ServeSetup {
  /** A prebuilt Worker bundle (index.js); npm start builds one when absent. wrangler dev needs one. */
  bundle?: string;
  /** State directory; default: a fresh temporary one, removed by stop(). */
  persistTo?: string;
  /** Default: a free port. */
  port?: number;
  /** [vars] overrides (e.g. BENCH_ROUTES: "on"). */
  vars?: Record<string, string>;
  /** Rate limiter overrides, NAME -> "LIMIT/PERIOD". */
  rateLimits?: Record<string, string>;
  /** Log level (default warn: a benchmark measures request handling, not log writing). */
  logLevel?: string;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** Raised limits for load tests: registering and writing many times per minute is the point. */
export const LOAD_TEST_LIMITS = { AUTH_LIMITER: "1000000/60", WRITE_LIMITER: "1000000/60" };

function declaredVar(name: string): string {
  const { rawConfig } = experimental_readRawConfig({ config: path.join(root, "wrangler.toml") }) as {
    rawConfig: { vars?: Record<string, string> };
  };
  return rawConfig.vars?.[name] ?? "";
}

function track(
  child: ChildProcess,
  kind: ServerKind,
  url: string,
  stopSignal: NodeJS.Signals,
  cleanup: () => Promise<void>,
): BenchServer {
  const output: string[] = [];
  // BENCH_SERVER_LOG=<file>: keep everything the server prints (for profiling a run).
  const logFile = process.env.BENCH_SERVER_LOG;
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on("line", (line) => {
      if (output.push(line) > 200) output.shift();
      if (logFile) appendFileSync(logFile, `${line}\n`);
    });
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const killTree = async () => {
    const pids = await treePids(child.pid!).catch(() => [child.pid!]);
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await Promise.race([exited, sleep(10_000)]);
  };
  return {
    kind,
    url,
    pid: child.pid,
    output,
    alive,
    async stop() {
      if (alive()) {
        child.kill(stopSignal);
        if (!(await Promise.race([exited.then(() => true), sleep(40_000).then(() => false)]))) await killTree();
      }
      await cleanup();
    },
    crash: killTree,
  };
}

async function waitForHealth(server: BenchServer, timeoutMs: number): Promise<BenchServer> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && server.alive()) {
    if (await isServing(server.url)) return server;
    await sleep(250);
  }
  await server.stop();
  throw new Error(`${server.kind} did not serve ${server.url}:\n${server.output.slice(-30).join("\n")}`);
}

async function stateDir(setup: ServeSetup): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  if (setup.persistTo) return { dir: setup.persistTo, cleanup: async () => undefined };
  const dir = await mkdtemp(path.join(tmpdir(), "plaza-bench-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** `npm start` (scripts/start.ts) with `setup`, no demo data, its GPU backend companion on a free port. */
export async function startNpmStart(setup: ServeSetup = {}): Promise<BenchServer> {
  const port = setup.port ?? (await freePort());
  const gpuPort = await freePort();
  const state = await stateDir(setup);
  // BACKENDS, PUBLIC_URL and ALLOWED_ORIGINS follow --port and --gpu-backend-port.
  const vars = { ...setup.vars };
  const args = [
    path.join(root, "scripts/start.ts"),
    ...["--port", String(port), "--gpu-backend-port", String(gpuPort), "--persist-to", state.dir, "--no-seed"],
    ...["--log-level", setup.logLevel ?? "warn"],
    ...(setup.bundle ? ["--bundle", setup.bundle] : []),
    ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    ...Object.entries(setup.rateLimits ?? {}).flatMap(([k, v]) => ["--ratelimit", `${k}=${v}`]),
  ];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return waitForHealth(track(child, "npm start", `http://127.0.0.1:${port}`, "SIGTERM", state.cleanup), 180_000);
}

function run(args: string[]): Promise<void> {
  const child = spawn(process.execPath, args, { cwd: root, stdio: "ignore" });
  return new Promise((resolve, reject) =>
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(" ")} exited with ${code}`)))),
  );
}

/** `wrangler dev` on `setup.bundle` (no rebuild: --no-bundle), for bench:serve's comparison. */
export async function startWranglerDev(setup: ServeSetup & { bundle: string }): Promise<BenchServer> {
  const wranglerJs = path.join(root, "node_modules/wrangler/bin/wrangler.js");
  const state = await stateDir(setup);
  await run([wranglerJs, "d1", "migrations", "apply", "DB", "--local", "--persist-to", state.dir]);
  const config = await wranglerConfigWithLimits(state.dir, setup.rateLimits ?? {});
  const port = setup.port ?? (await freePort());
  // No companion here: point BACKENDS at a port nobody listens on rather than at someone's 8788.
  const backends = declaredVar("BACKENDS").replaceAll("127.0.0.1:8788", `127.0.0.1:${await freePort()}`);
  const args = [
    wranglerJs,
    ...["dev", setup.bundle, "--config", config, "--env-file", path.join(root, ".dev.vars"), "--no-bundle"],
    ...["--ip", "127.0.0.1", "--port", String(port), "--persist-to", state.dir],
    ...["--log-level", "warn", "--show-interactive-dev-session=false"],
    ...Object.entries({
      LOG_LEVEL: setup.logLevel ?? "warn",
      BACKENDS: backends,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...setup.vars,
    }).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
  ];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  return waitForHealth(track(child, "wrangler dev", `http://127.0.0.1:${port}`, "SIGINT", state.cleanup), 180_000);
}

/**
 * The server a benchmark measures: PLAZA_URL when set (it must already have what `setup`
 * asks for, e.g. BENCH_ROUTES on), otherwise a fresh `npm start` of its own.
 */
export async function benchServer(setup: ServeSetup = {}): Promise<BenchServer> {
  const external = process.env.PLAZA_URL?.replace(/\/+$/, "");
  if (!external) {
    console.error(
      `[bench] starting npm start on a free port (fresh state${setup.vars ? `, vars ${JSON.stringify(setup.vars)}` : ""})`,
    );
    return startNpmStart(setup);
  }
  if (!(await isServing(external))) throw new Error(`No Plaza at PLAZA_URL=${external}`);
  console.error(
    `[bench] using the running server at ${external}; it must have been started with ${JSON.stringify(setup)}`,
  );
  const pid = serverPidForPort(Number(new URL(external).port || 80));
  const notOurs = () => Promise.reject(new Error("a server this benchmark did not start is never killed by it"));
  return {
    kind: "external",
    url: external,
    pid,
    output: [],
    alive: () => true,
    stop: async () => undefined,
    crash: notOurs,
  };
}

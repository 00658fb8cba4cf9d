// Starts `npm start` (scripts/start.ts) as a child process on a free port and reads its log,
// so tests can drive a real server: build, setup, Miniflare, crons, shutdown. Also starts
// `wrangler dev` on the same state, to check that both see the same data.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

export interface RunningServer {
  url: string;
  child: ChildProcess;
  /** Every line the server printed so far. */
  lines: string[];
  /** Resolves with the first line (already printed or to come) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends `signal` to the launcher and resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Starts the server with `args` (plus --port); resolves once it says it is serving. `port` and `env` (web tests): a given port (a restart) and extra environment. */
export async function startServer(
  args: string[],
  timeoutMs = 90_000,
  options: { port?: number; env?: Record<string, string> } = {},
): Promise<RunningServer> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [path.join(root, "scripts/start.ts"), "--port", String(port), ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PLAZA_LOG_FORMAT: "text", ...options.env },
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      lines.push(line);
      for (const wake of waiters) wake();
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const waitForLine = (pattern: RegExp, wait = 30_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = lines.find((line) => pattern.test(line));
        if (!found) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no line matching ${pattern} within ${wait} ms; output:\n${lines.slice(-40).join("\n")}`));
      }, wait);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const server: RunningServer = {
    url: `http://127.0.0.1:${port}`,
    child,
    lines,
    waitForLine,
    exited,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  await Promise.race([
    waitForLine(/Plaza is serving at/, timeoutMs),
    exited.then((code) => Promise.reject(new Error(`server exited with ${code}:\n${lines.join("\n")}`))),
  ]);
  return server;
}

export interface WranglerDev {
  url: string;
  stop(): Promise<void>;
}

/** Starts `wrangler dev` (the hot-reload server) with `args` on a free port. */
export async function startWranglerDev(args: string[], timeoutMs = 90_000): Promise<WranglerDev> {
  const port = await freePort();
  const child = spawn(
    path.join(root, "node_modules/.bin/wrangler"),
    ["dev", "--ip", "127.0.0.1", "--port", String(port), "--show-interactive-dev-session=false", ...args],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr])
    createInterface({ input: stream }).on("line", (l) => output.push(l));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
    await exited;
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null) {
    const up = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { url, stop };
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`wrangler dev did not serve ${url}:\n${output.slice(-30).join("\n")}`);
}

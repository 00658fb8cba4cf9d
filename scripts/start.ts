// `npm start`: local setup, the Worker built by wrangler, then Plaza served on Miniflare
// directly (scripts/serve/server.ts) at http://127.0.0.1:8787 with demo data.
// Ctrl-C or SIGTERM stops it cleanly: running requests finish, sockets close with 1001.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { ensureDevVars } from "./dev-vars.ts";
import { root } from "./lib/paths.ts";
import { seed } from "./seed.ts";
import { type Bundle, buildBundle } from "./serve/build.ts";
import { createServeLog } from "./serve/log.ts";
import { parseServeOptions, type ServeOptions, USAGE } from "./serve/options.ts";
import { loadPlazaConfig } from "./serve/plaza-config.ts";
import type { LauncherMessage, ServerMessage } from "./serve/server.ts";
import { setup } from "./setup.ts";

function readOptions(): ServeOptions {
  try {
    const parsed = parseServeOptions(process.argv.slice(2), process.env);
    if (parsed === "help") {
      console.log(USAGE);
      process.exit(0);
    }
    return parsed;
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    process.exit(2);
  }
}

/** Resolves with the URL once the server says it is ready; rejects if it fails or exits first. */
function whenReady(server: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    server.on("message", (message: ServerMessage) => {
      if (message.type === "ready") resolve(message.url);
      else reject(new Error(message.error));
    });
    server.once("exit", (code) => reject(new Error(`the server exited with ${code} before it was ready`)));
  });
}

const options = readOptions();
const log = createServeLog(options.logLevel ?? "info", options.logFormat);
const started = Date.now();
log.info("preparing", {
  persistTo: options.persistTo,
  build: options.bundle ? "prebuilt" : "wrangler",
  bench: options.vars.BENCH_ROUTES === "on",
});
ensureDevVars(); // before the config is read: wrangler loads the secrets from it
const [bundle, config] = await Promise.all([
  options.bundle
    ? ({ entry: options.bundle, remove: async () => undefined } satisfies Bundle)
    : buildBundle({ bench: options.vars.BENCH_ROUTES === "on" }),
  loadPlazaConfig(),
  setup({ persistTo: options.persistTo, quiet: true }),
]);

// Its own process group (detached): the terminal's Ctrl-C must not reach the runtime directly.
const server = spawn(process.execPath, [path.join(root, "scripts/serve/server.ts")], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit", "ipc"],
  serialization: "advanced",
  detached: true,
});
const send = (message: LauncherMessage) => server.connected && server.send(message);
const stopServer = (reason: string) => {
  if (!send({ type: "stop", reason })) server.kill("SIGTERM");
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => stopServer(signal));
server.on("exit", (code, signal) => {
  void bundle.remove().finally(() => process.exit(code ?? (signal ? 1 : 0)));
});
send({ type: "start", input: { options, config, bundle: bundle.entry } });

try {
  const url = await whenReady(server);
  if (options.seed) await seed(url);
  log.info(`Plaza is serving at ${url}  (API docs: ${url}/docs)`, { startupMs: Date.now() - started });
} catch (err) {
  log.error("start failed", { error: err instanceof Error ? err.message : String(err) });
  stopServer("start failed");
}

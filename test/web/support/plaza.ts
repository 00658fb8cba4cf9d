// A real `npm start` for the web tests (SDK and browser): a free port, its own state
// directory, its own reference GPU backend port (so it never meets another server's); serve
// mode points BACKENDS there and allows its own origin (browsers send Origin).
// `restart()` stops it with SIGTERM and starts it again on the same port and state.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, type RunningServer, startServer } from "../../node/support/serve.ts";

export interface Plaza {
  url: string;
  /** Its state directory (`--persist-to`), e.g. for `npm run plaza -- admin grant`. */
  state: string;
  server: RunningServer;
  /** SIGTERM, wait for the exit, run `whileDown` (if given), start again on the same port and state. */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  /** Stops the server (SIGTERM, then SIGKILL after 15 s) and removes its state. */
  stop(): Promise<void>;
}

/** The environment that gives a server its own reference backend port (ALLOWED_ORIGINS, PUBLIC_URL and BACKENDS follow the ports). */
export function plazaEnv(gpuPort: number): Record<string, string> {
  return {
    PLAZA_GPU_BACKEND_PORT: String(gpuPort),
    // Tests sign up several users from one address.
    PLAZA_RATELIMIT_AUTH_LIMITER: "1000/60",
  };
}

/** Ports pinned by PLAZA_WEB_TEST_PORT / PLAZA_WEB_TEST_GPU_PORT (e.g. on a shared machine); free ones otherwise. */
async function testPorts(): Promise<[number, number]> {
  const port = Number(process.env.PLAZA_WEB_TEST_PORT ?? "0");
  const gpuPort = Number(process.env.PLAZA_WEB_TEST_GPU_PORT ?? "0");
  return [port || (await freePort()), gpuPort || (await freePort())];
}

/** Starts Plaza for a test file; `args` go to npm start (e.g. "--no-seed"). */
export async function startPlaza(args: string[] = []): Promise<Plaza> {
  const state = await mkdtemp(path.join(tmpdir(), "plaza-web-test-"));
  const [port, gpuPort] = await testPorts();
  const env = plazaEnv(gpuPort);
  const fullArgs = ["--persist-to", state, ...args];
  let server = await startServer(fullArgs, 120_000, { port, env });
  const stopServer = async () => {
    const killer = setTimeout(() => server.child.kill("SIGKILL"), 15_000);
    await server.stop("SIGTERM");
    clearTimeout(killer);
  };
  return {
    url: server.url,
    state,
    get server() {
      return server;
    },
    async restart(whileDown) {
      await stopServer();
      await whileDown?.();
      server = await startServer([...fullArgs, "--no-seed"], 120_000, { port, env });
    },
    async stop() {
      await stopServer();
      await rm(state, { recursive: true, force: true });
    },
  };
}

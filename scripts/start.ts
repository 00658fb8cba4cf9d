// `npm start`: local setup, then Plaza at http://127.0.0.1:8787 with demo data.
import { spawn } from "node:child_process";
import { bin, root } from "./lib/paths.ts";
import { seed } from "./seed.ts";
import { setup } from "./setup.ts";

const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? 8787);
const base = `http://${host}:${port}`;

async function waitForHealth(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Plaza did not answer ${base}/healthz within ${timeoutMs} ms`);
}

// ---- rooms: benchmarks turn on the /__bench/ baselines and tune room limits from the
// environment (`BENCH_ROUTES=on npm start`); these override wrangler.toml [vars].
const varOverrides = Object.entries(process.env)
  .filter(([name]) => name === "BENCH_ROUTES" || name.startsWith("ROOM_"))
  .flatMap(([name, value]) => ["--var", `${name}:${value}`]);

await setup();
// ---- tasks: the reference GPU backend (gpu-backend/), declared in BACKENDS as 127.0.0.1:8788.
const gpuBackend = spawn(process.execPath, [`${root}/gpu-backend/server.ts`, "--port", process.env.GPU_BACKEND_PORT ?? "8788"], {
  cwd: root,
  stdio: "inherit",
});
process.on("exit", () => gpuBackend.kill());
const server = spawn(bin("wrangler"), ["dev", "--ip", host, "--port", String(port), "--show-interactive-dev-session=false", ...varOverrides], {
  cwd: root,
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => server.kill(signal));
server.on("exit", (code) => process.exit(code ?? 0));

await waitForHealth(60_000);
await seed(base);
console.log(`\nPlaza is serving at ${base}  (API docs: ${base}/docs)\n`);

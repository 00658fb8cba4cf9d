// Plaza's reference GPU backend: one small Node server speaking both backend protocols
// (OpenAI-compatible chat completions with a deterministic generator, and plaza-job with a
// real sharp thumbnail job), and the reference moderation hook at POST /moderation.
// `node gpu-backend/server.ts --port 8788`. Binds 127.0.0.1.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { parseArgs } from "node:util";
import { route } from "./faults.ts";
import { MODEL_NOTE } from "./generator.ts";
import { acceptJob, cancelJob, jobEvents } from "./jobs.ts";
import { moderationHook } from "./moderation.ts";
import { type ChatBody, chatCompletion, DEFAULT_MODELS, listModels } from "./openai.ts";
import { newStats, type Stats } from "./stats.ts";

const MAX_BODY_BYTES = 1_048_576;

export interface BackendOptions {
  port: number;
  host?: string;
  /** Delay between streamed tokens (ms), like a real decoder's pace. */
  tokenMs?: number;
  /** The model names served (vLLM's --served-model-name); others are a 404. Default: plaza-echo-1. */
  models?: readonly string[];
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error("body too large"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => {
      try {
        resolve(chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : undefined);
      } catch {
        resolve(undefined);
      }
    });
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  stats: Stats,
  tokenMs: number,
  models: readonly string[],
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://backend");
  const r = route(url.pathname);
  const method = req.method ?? "GET";
  if (r.fault === "down") return send(res, 503, { error: "down (injected)" });
  if (method === "GET" && r.path === "/health") return send(res, 200, { ok: true, model: MODEL_NOTE, ...stats });
  if (method === "GET" && r.path === "/stats") return send(res, 200, stats);
  if (method === "POST" && r.path === "/stats/reset") {
    Object.assign(stats, newStats(), { inFlight: stats.inFlight, maxInFlight: stats.inFlight });
    return send(res, 200, stats);
  }
  if (method === "GET" && r.path === "/v1/models") return listModels(res, models);
  if (method === "POST" && r.path === "/v1/chat/completions") {
    return chatCompletion(req, res, ((await readBody(req)) ?? {}) as ChatBody, r, stats, tokenMs, models);
  }
  if (method === "POST" && r.path === "/jobs") return acceptJob(res, await readBody(req), r, stats);
  // The reference pre-publish moderation hook (gpu-backend/moderation.ts).
  if (method === "POST" && r.path === "/moderation") return moderationHook(res, await readBody(req));
  const cancel = /^\/jobs\/([^/]+)\/cancel$/.exec(r.path);
  if (method === "POST" && cancel?.[1]) return cancelJob(res, decodeURIComponent(cancel[1]));
  const events = /^\/jobs\/([^/]+)\/events$/.exec(r.path);
  if (method === "GET" && events?.[1]) {
    const after = Number(new URL(req.url ?? "/", "http://x").searchParams.get("after") ?? "-1");
    return jobEvents(res, decodeURIComponent(events[1]), Number.isSafeInteger(after) ? after : -1);
  }
  send(res, 404, { error: "not found" });
}

/** Starts a reference backend; resolves once it listens. */
export function startBackend(options: BackendOptions): Promise<{ server: Server; url: string; stats: Stats }> {
  const stats = newStats();
  const host = options.host ?? "127.0.0.1";
  const tokenMs = options.tokenMs ?? 15;
  const models = options.models?.length ? options.models : DEFAULT_MODELS;
  const server = createServer((req, res) => {
    handle(req, res, stats, tokenMs, models).catch(() => {
      if (!res.headersSent) send(res, 500, { error: "internal error" });
      else res.destroy();
    });
  });
  // Longer than any client's idle-connection reuse, so a pooled connection is never closed
  // under a request that is being sent on it (that race shows up as "unreachable" under load).
  server.keepAliveTimeout = 75_000;
  server.headersTimeout = 76_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : options.port;
      resolve({ server, url: `http://${host}:${port}`, stats });
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "8788" },
      "token-ms": { type: "string", default: "15" },
      // vLLM's flag: the names this server answers to (repeatable, or comma-separated).
      "served-model-name": { type: "string", multiple: true },
    },
  });
  const models = (values["served-model-name"] ?? []).flatMap((n) => n.split(",")).filter(Boolean);
  const { url } = await startBackend({
    port: Number(values.port),
    tokenMs: Number(values["token-ms"]),
    models: models.length > 0 ? models : undefined,
  });
  console.log(`[gpu-backend] reference backend at ${url} (openai: ${MODEL_NOTE}; plaza-job: image.thumbnail)`);
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(0));
}

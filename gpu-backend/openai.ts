// The OpenAI-compatible side of the reference backend: GET /v1/models and
// POST /v1/chat/completions (SSE when `stream: true`), tokens from the deterministic generator.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Routed } from "./faults.ts";
import { failsFirst } from "./faults.ts";
import { generate, MODEL_ID, MODEL_NOTE } from "./generator.ts";
import type { Stats } from "./stats.ts";
import { noteJob, track } from "./stats.ts";

export interface ChatBody {
  model?: string;
  messages?: { role?: string; content?: string }[];
  max_tokens?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function listModels(res: ServerResponse): void {
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(
    JSON.stringify({
      object: "list",
      data: [{ id: MODEL_ID, object: "model", owned_by: "plaza", description: MODEL_NOTE }],
    }),
  );
}

/** Handles one chat completion; `tokenMs` paces the stream like a real decoder would. */
export async function chatCompletion(
  req: IncomingMessage,
  res: ServerResponse,
  body: ChatBody,
  r: Routed,
  stats: Stats,
  tokenMs: number,
): Promise<void> {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  if (messages.length === 0) {
    res.writeHead(400, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ error: { message: "messages is required", type: "invalid_request_error" } }));
    return;
  }
  const jobId = req.headers["x-plaza-job-id"];
  noteJob(stats, typeof jobId === "string" ? jobId : undefined);
  const done = track(stats);
  if (r.fault === "500" || failsFirst(r)) {
    done("failed");
    res.writeHead(500, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ error: { message: "injected failure", type: "server_error" } }));
    return;
  }
  if (r.fault === "hang") {
    req.socket.on("close", () => done("canceled"));
    return;
  }
  const prompt = messages.map((m) => m.content ?? "").join("\n");
  const maxTokens = Math.max(1, Math.min(4096, Number(body.max_tokens) || 256));
  const gen = generate(prompt, maxTokens);
  const id = `chatcmpl-${Date.now().toString(36)}`;
  const created = Math.floor(Date.now() / 1000);
  // One model only, whatever name the request used.
  const model = MODEL_ID;

  if (!body.stream) {
    await sleep(tokenMs * gen.tokens.length);
    done("completed");
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(
      JSON.stringify({
        id,
        object: "chat.completion",
        created,
        model,
        choices: [
          { index: 0, message: { role: "assistant", content: gen.tokens.join("") }, finish_reason: gen.finishReason },
        ],
        usage: {
          prompt_tokens: gen.promptTokens,
          completion_tokens: gen.tokens.length,
          total_tokens: gen.promptTokens + gen.tokens.length,
        },
      }),
    );
    return;
  }

  let closed = false;
  res.on("close", () => {
    closed = true;
    if (!res.writableFinished) done("canceled");
  });
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" });
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  res.write(chunk({ role: "assistant", content: "" }, null));
  for (let i = 0; i < gen.tokens.length; i++) {
    if (closed) return;
    if (i === 3 && r.fault === "stall") return; // holds the connection open, says nothing more
    if (i === 3 && r.fault === "die") {
      done("failed");
      req.socket.destroy();
      return;
    }
    await sleep(tokenMs);
    if (closed) return;
    res.write(chunk({ content: gen.tokens[i] }, null));
  }
  res.write(chunk({}, gen.finishReason));
  if (body.stream_options?.include_usage) {
    const usage = {
      prompt_tokens: gen.promptTokens,
      completion_tokens: gen.tokens.length,
      total_tokens: gen.promptTokens + gen.tokens.length,
    };
    res.write(
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage })}\n\n`,
    );
  }
  res.write("data: [DONE]\n\n");
  done("completed");
  res.end();
}

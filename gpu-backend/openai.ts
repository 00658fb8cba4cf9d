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
  /** The current OpenAI name; `max_tokens` is its deprecated alias (vLLM honours both). */
  max_completion_tokens?: number;
  max_tokens?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The model names served by default (vLLM's --served-model-name). */
export const DEFAULT_MODELS = [MODEL_ID];

export function listModels(res: ServerResponse, models: readonly string[]): void {
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(
    JSON.stringify({
      object: "list",
      data: models.map((id) => ({ id, object: "model", owned_by: "plaza", description: MODEL_NOTE })),
    }),
  );
}

/** A 404 for a model this server does not serve, as OpenAI (and vLLM) answer it. */
function modelNotFound(res: ServerResponse, model: string): void {
  res.writeHead(404, { "Content-Type": "application/json" });
  res.end(
    JSON.stringify({
      error: {
        message: `The model \`${model}\` does not exist.`,
        type: "NotFoundError",
        param: "model",
        code: "model_not_found",
      },
    }),
  );
}

/** `max_completion_tokens` wins over the deprecated `max_tokens`; 256 when neither is given. */
export function maxTokensOf(body: ChatBody): number {
  const requested = Number(body.max_completion_tokens ?? body.max_tokens);
  return Math.max(1, Math.min(4096, requested || 256));
}

/** Handles one chat completion; `tokenMs` paces the stream like a real decoder would. */
export async function chatCompletion(
  req: IncomingMessage,
  res: ServerResponse,
  body: ChatBody,
  r: Routed,
  stats: Stats,
  tokenMs: number,
  models: readonly string[],
): Promise<void> {
  // Like vLLM: no `model` means the first served one; a name it does not serve is a 404.
  const model = body.model ?? models[0] ?? MODEL_ID;
  if (!models.includes(model)) return modelNotFound(res, model);
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
  const maxTokens = maxTokensOf(body);
  const gen = generate(prompt, maxTokens);
  const id = `chatcmpl-${Date.now().toString(36)}`;
  const created = Math.floor(Date.now() / 1000);

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

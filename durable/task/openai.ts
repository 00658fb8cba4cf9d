// The `openai` backend protocol: POST {url}/v1/chat/completions with `stream: true`, the SSE
// response parsed event by event (eventsource-parser), each content delta handed on at once.
import { EventSourceParserStream } from "eventsource-parser/stream";
import type { LlmChatInput } from "../../src/protocol/task-types";
import type { BackendSpec } from "../../src/protocol/tasks";
import { AttemptError, failureFromStatus } from "./attempt-error";

export interface ChatResult {
  text: string;
  finishReason: string | null;
  model: string | null;
  usage?: { promptTokens: number; completionTokens: number };
}

interface ChatChunk {
  model?: string;
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}

/** Generated text beyond this is refused: a runaway backend must not fill the object's storage. */
const MAX_OUTPUT_CHARS = 2_000_000;

/**
 * Streams one chat completion. `onDelta` gets every content delta in order; the promise
 * resolves with the whole result once the backend sends `[DONE]` (or a finish reason and
 * closes). A stream that ends early, a 5xx or a connection failure is a retryable
 * AttemptError blamed on the backend; an abort (cancel, watchdog) rethrows the abort.
 */
export async function streamChat(
  backend: BackendSpec,
  jobId: string,
  input: LlmChatInput,
  signal: AbortSignal,
  onDelta: (text: string) => void,
): Promise<ChatResult> {
  // No model configured: say none (vLLM then uses the one it serves); a made-up name is a 404.
  const model = input.model ?? backend.model;
  const body = {
    ...(model ? { model } : {}),
    messages: input.messages,
    max_tokens: input.maxTokens,
    ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
    stream: true,
    stream_options: { include_usage: true },
  };
  let res: Response;
  try {
    res = await fetch(`${backend.url.replace(/\/+$/, "")}/v1/chat/completions`, {
      method: "POST",
      // The job id lets a backend (and our benchmarks) spot a job sent twice; OpenAI servers ignore it.
      headers: { "Content-Type": "application/json", Accept: "text/event-stream", "X-Plaza-Job-Id": jobId },
      body: JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if (signal.aborted) throw err;
    throw new AttemptError("backend_unreachable", `Could not reach backend ${backend.id}.`, true, "backend");
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw failureFromStatus(backend.id, res.status);
  }

  const result: ChatResult = { text: "", finishReason: null, model: null };
  let done = false;
  const events = res.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream({ maxBufferSize: 1_048_576 }));
  const reader = events.getReader();
  try {
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      if (value.data === "[DONE]") {
        done = true;
        break;
      }
      const chunk = parseChunk(value.data);
      if (!chunk)
        throw new AttemptError(
          "backend_protocol",
          `Backend ${backend.id} sent an event that is not a completion chunk.`,
          true,
          "backend",
        );
      result.model = chunk.model ?? result.model;
      const choice = chunk.choices?.[0];
      const delta = choice?.delta?.content;
      if (delta) {
        result.text += delta;
        if (result.text.length > MAX_OUTPUT_CHARS)
          throw new AttemptError("output_too_large", "The generated output exceeds the limit.", false, "none");
        onDelta(delta);
      }
      if (choice?.finish_reason) result.finishReason = choice.finish_reason;
      if (chunk.usage) {
        result.usage = {
          promptTokens: chunk.usage.prompt_tokens ?? 0,
          completionTokens: chunk.usage.completion_tokens ?? 0,
        };
      }
    }
  } catch (err) {
    if (signal.aborted || err instanceof AttemptError) throw err;
    throw new AttemptError("stream_interrupted", `The stream from backend ${backend.id} broke off.`, true, "backend");
  } finally {
    reader.releaseLock();
  }
  // Some servers close after the finish reason without `[DONE]`; no finish reason means it died.
  if (!done && result.finishReason === null) {
    throw new AttemptError(
      "stream_interrupted",
      `The stream from backend ${backend.id} ended before it finished.`,
      true,
      "backend",
    );
  }
  return result;
}

function parseChunk(data: string): ChatChunk | undefined {
  try {
    const parsed: unknown = JSON.parse(data);
    return typeof parsed === "object" && parsed !== null ? (parsed as ChatChunk) : undefined;
  } catch {
    return undefined;
  }
}

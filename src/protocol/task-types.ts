// The task type registry (the seed's handler map, 处理函数 = {type: handler}): each type
// declares its input, the backend capability and protocol it needs, its timeout, its retry
// policy and how its result is stored. Pure: used by the Worker and by the TaskRun object.
import { z } from "zod";
import type { BackendProtocol } from "./tasks";

/** How an attempt that failed with a transient error is retried. */
export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  baseDelaySeconds: number;
  maxDelaySeconds: number;
}

/** How a validated result is kept: inline JSON (moved to R2 when large) or an image blob in R2. */
export type ResultStorage = "json" | "image";

export interface TaskType<I extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  type: string;
  description: string;
  input: I;
  /** Backends must list this capability. */
  capability: string;
  protocol: BackendProtocol;
  /** Whole-task limit from the first start; the watchdog fails the task past it. */
  timeoutSeconds: number;
  retry: RetryPolicy;
  result: R;
  storage: ResultStorage;
}

export const ChatMessageSchema = z.strictObject({
  role: z.enum(["system", "user", "assistant"]),
  content: z.string().min(1).max(32_000),
});

const LlmChatInput = z.strictObject({
  messages: z.array(ChatMessageSchema).min(1).max(64),
  model: z.string().min(1).max(200).optional(),
  maxTokens: z.number().int().min(1).max(4096).default(256),
  temperature: z.number().min(0).max(2).optional(),
});
export type LlmChatInput = z.output<typeof LlmChatInput>;

const LlmChatResult = z.object({
  text: z.string(),
  finishReason: z.string().nullable(),
  model: z.string().nullable(),
  usage: z.object({ promptTokens: z.number().int(), completionTokens: z.number().int() }).optional(),
});

const ThumbnailInput = z.strictObject({
  source: z
    .string()
    .max(1024)
    .refine((s) => mediaKeyFromUrl(s) !== undefined, "a Plaza media URL (/media/<key>)"),
  width: z.number().int().min(16).max(512).default(256),
  height: z.number().int().min(16).max(512).optional(),
  format: z.enum(["webp", "png", "jpeg"]).default("webp"),
});
export type ThumbnailInput = z.output<typeof ThumbnailInput>;

const ThumbnailResult = z.object({
  contentType: z.enum(["image/webp", "image/png", "image/jpeg"]),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  imageBase64: z.string().min(1),
});
export type ThumbnailResult = z.output<typeof ThumbnailResult>;

/** Every task type Plaza runs. Add a type here and give some backend its capability. */
export const taskTypes = {
  "llm.chat": {
    type: "llm.chat",
    description: "Chat completion on an OpenAI-compatible backend; generated tokens stream as `output` events.",
    input: LlmChatInput,
    capability: "llm.chat",
    protocol: "openai",
    timeoutSeconds: 600,
    retry: { maxAttempts: 3, baseDelaySeconds: 2, maxDelaySeconds: 30 },
    result: LlmChatResult,
    storage: "json",
  },
  "image.thumbnail": {
    type: "image.thumbnail",
    description: "Resize an image stored in Plaza (a /media/<key> URL) into a thumbnail; the result is stored in R2.",
    input: ThumbnailInput,
    capability: "image.thumbnail",
    protocol: "plaza-job",
    timeoutSeconds: 120,
    retry: { maxAttempts: 3, baseDelaySeconds: 2, maxDelaySeconds: 30 },
    result: ThumbnailResult,
    storage: "image",
  },
} as const satisfies Record<string, TaskType>;

export type TaskTypeName = keyof typeof taskTypes;

/** The registered type named `name`, or undefined. */
export function findTaskType(name: string): TaskType | undefined {
  return Object.hasOwn(taskTypes, name) ? taskTypes[name as TaskTypeName] : undefined;
}

/** Backoff before attempt `failures + 1`: exponential from the base, capped, with full jitter on top half. */
export function retryDelaySeconds(policy: RetryPolicy, failures: number, random = Math.random()): number {
  const exp = Math.min(policy.maxDelaySeconds, policy.baseDelaySeconds * 2 ** Math.max(0, failures - 1));
  return Math.max(1, Math.round(exp / 2 + (exp / 2) * random));
}

/** The R2 key named by a Plaza media URL (`/media/<key>`, absolute or relative), or undefined. */
export function mediaKeyFromUrl(source: string): string | undefined {
  let path: string;
  try {
    path = new URL(source, "http://plaza.invalid").pathname;
  } catch {
    return undefined;
  }
  const match = /^\/media\/(.+)$/.exec(path);
  if (!match?.[1]) return undefined;
  let key: string;
  try {
    key = decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
  return key.length <= 512 && !key.split("/").includes("..") ? key : undefined;
}

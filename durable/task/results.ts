// Storing a task's result as its type declares: validated against the type's result schema,
// small JSON inline, large JSON and image blobs in R2 (MEDIA) under task-results/<taskId>/.
import type { JsonObject, JsonValue } from "../../src/protocol/json";
import type { TaskType } from "../../src/protocol/task-types";
import { AttemptError } from "./attempt-error";

/** The R2 key prefix of a task's stored results. */
export const resultPrefix = (taskId: string) => `task-results/${taskId}/`;

/** Where clients read a result that lives in R2 (owner only). */
export const resultUrl = (taskId: string) => `/v1/tasks/${taskId}/result`;

const extensions: Record<string, string> = { "image/webp": "webp", "image/png": "png", "image/jpeg": "jpg" };

function decodeBase64(text: string): Uint8Array | undefined {
  try {
    const binary = atob(text);
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

/**
 * Validates `raw` and stores it; returns the `result` the task will show. A result that does
 * not match the type's schema is the backend's fault (not retryable: it would answer the same).
 */
export async function storeResult(
  bucket: R2Bucket,
  type: TaskType,
  taskId: string,
  raw: unknown,
  inlineBytes: number,
): Promise<JsonValue> {
  const parsed = type.result.safeParse(raw);
  if (!parsed.success) {
    throw new AttemptError(
      "invalid_result",
      `The backend's result does not match ${type.type}'s result schema.`,
      false,
      "backend",
    );
  }
  // Parsed by a zod object schema of JSON types, so it is a JSON object.
  const value = parsed.data as JsonObject;
  if (type.storage === "image") {
    const { imageBase64, contentType, ...meta } = value as JsonObject & { imageBase64: string; contentType: string };
    const bytes = decodeBase64(imageBase64);
    if (!bytes || bytes.length === 0)
      throw new AttemptError("invalid_result", "The result image is not valid base64.", false, "backend");
    const key = `${resultPrefix(taskId)}output.${extensions[contentType] ?? "bin"}`;
    await bucket.put(key, bytes, { httpMetadata: { contentType } });
    return { ...meta, contentType, bytes: bytes.length, url: resultUrl(taskId) };
  }
  const text = JSON.stringify(value);
  const size = new TextEncoder().encode(text).length;
  if (size <= inlineBytes) return value;
  await bucket.put(`${resultPrefix(taskId)}output.json`, text, { httpMetadata: { contentType: "application/json" } });
  const preview = typeof value.text === "string" ? value.text.slice(0, 200) : undefined;
  return {
    stored: "r2",
    contentType: "application/json",
    bytes: size,
    url: resultUrl(taskId),
    ...(preview ? { preview } : {}),
  };
}

// Decoding client frames on any of the objects' sockets: size first (1009 above the cap),
// then JSON text, then the object's zod schema. Nothing here throws on any input.
import type { z } from "zod";
import { parseJsonFrame } from "../../src/protocol/protocol";

export type Decoded<T> = { kind: "frame"; frame: T } | { kind: "too_large" } | { kind: "invalid"; detail: string };

const encoder = new TextEncoder();

/** Byte length of a frame (UTF-8 for text). Strings shorter than max/3 cannot exceed it, so they are not encoded. */
export function frameBytes(data: string | ArrayBuffer, maxBytes: number): number {
  if (typeof data !== "string") return data.byteLength;
  if (data.length > maxBytes) return data.length; // at least one byte per UTF-16 unit: too large already
  return data.length * 3 <= maxBytes ? data.length : encoder.encode(data).byteLength;
}

/** Decodes one client frame against a size cap and a schema. */
export function decodeFrame<S extends z.ZodType>(
  data: string | ArrayBuffer,
  maxFrameBytes: number,
  schema: S,
): Decoded<z.output<S>> {
  if (frameBytes(data, maxFrameBytes) > maxFrameBytes) return { kind: "too_large" };
  if (typeof data !== "string") return { kind: "invalid", detail: "Frames are JSON text." };
  const json = parseJsonFrame(data);
  if (json === undefined) return { kind: "invalid", detail: "The frame is not JSON." };
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    return { kind: "invalid", detail: `${where}${issue?.message ?? "invalid frame"}` };
  }
  return { kind: "frame", frame: parsed.data };
}

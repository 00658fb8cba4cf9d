// Decoding client frames on a room socket: size first (1009 above the limit), then JSON text,
// then the zod schema. Nothing here throws on any input.
import { parseJsonFrame, type RoomClientFrame, RoomClientFrameSchema } from "../../src/protocol/protocol";

export type Decoded =
  | { kind: "frame"; frame: RoomClientFrame }
  | { kind: "too_large" }
  | { kind: "invalid"; detail: string };

const encoder = new TextEncoder();

/** Byte length of a frame (UTF-8 for text). Strings shorter than max/3 cannot exceed it. */
function frameBytes(data: string | ArrayBuffer, maxBytes: number): number {
  if (typeof data !== "string") return data.byteLength;
  return data.length * 3 <= maxBytes ? data.length : encoder.encode(data).byteLength;
}

/** Decodes one client frame against the room's frame size limit. */
export function decodeFrame(data: string | ArrayBuffer, maxFrameBytes: number): Decoded {
  if (frameBytes(data, maxFrameBytes) > maxFrameBytes) return { kind: "too_large" };
  if (typeof data !== "string") return { kind: "invalid", detail: "Frames are JSON text." };
  const json = parseJsonFrame(data);
  if (json === undefined) return { kind: "invalid", detail: "The frame is not JSON." };
  const parsed = RoomClientFrameSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    return { kind: "invalid", detail: `${where}${issue?.message ?? "invalid frame"}` };
  }
  return { kind: "frame", frame: parsed.data };
}

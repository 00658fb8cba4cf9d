// Decoding client frames on the inbox socket: size first (1009 above the limit), then JSON
// text, then the zod schema. Nothing here throws on any input.
import { type InboxClientFrame, InboxClientFrameSchema, parseJsonFrame } from "../../src/protocol/protocol";

export type DecodedInboxFrame =
  | { kind: "frame"; frame: InboxClientFrame }
  | { kind: "too_large" }
  | { kind: "invalid"; detail: string };

/** Decodes one inbox client frame. */
export function decodeInboxFrame(data: string | ArrayBuffer, maxBytes: number): DecodedInboxFrame {
  const size = typeof data === "string" ? new TextEncoder().encode(data).byteLength : data.byteLength;
  if (size > maxBytes) return { kind: "too_large" };
  if (typeof data !== "string") return { kind: "invalid", detail: "Frames are JSON text." };
  const json = parseJsonFrame(data);
  if (json === undefined) return { kind: "invalid", detail: "The frame is not JSON." };
  const parsed = InboxClientFrameSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    return { kind: "invalid", detail: `${where}${issue?.message ?? "invalid frame"}` };
  }
  return { kind: "frame", frame: parsed.data };
}

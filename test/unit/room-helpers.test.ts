// Pure helpers of the Room object: flood control, frame decoding, archive packing, limits.
import { describe, expect, it } from "vitest";
import { packArchive } from "../../durable/room/archive";
import { TypingThrottle } from "../../durable/room/limits";
import { decodeFrame as decodeClientFrame } from "../../durable/sockets/frames";
import { SendBucket } from "../../durable/sockets/rate";
import { RoomClientFrameSchema } from "../../src/protocol/protocol";
import { parseRoomLimits } from "../../src/config";
import type { ArchiveRow } from "../../src/protocol/room-events";

/** The room's decoding: the shared decoder with the room's frame schema. */
const decodeFrame = (data: string | ArrayBuffer, max: number) => decodeClientFrame(data, max, RoomClientFrameSchema);

const message = (seq: number, body = "hi"): ArchiveRow => ({
  id: `m${seq}`,
  roomId: "r",
  seq,
  clientMsgId: `c${seq}`,
  sender: { id: "u", username: "u" },
  body,
  createdAt: new Date(0).toISOString(),
  kind: "message",
  revision: 0,
});

describe("SendBucket", () => {
  it("allows a burst, refills at the rate, rejects over it and closes at a second burst owed", () => {
    const bucket = new SendBucket(10, 5, 0);
    expect(Array.from({ length: 5 }, () => bucket.take(0))).toEqual(Array(5).fill("allow"));
    expect(bucket.take(0)).toBe("reject");
    expect(bucket.take(200)).toBe("allow"); // 2 tokens back after 200 ms, one owed
    const verdicts = Array.from({ length: 12 }, () => bucket.take(200));
    expect(verdicts.at(-1)).toBe("close");
    expect(verdicts.filter((v) => v === "reject").length).toBeGreaterThan(0);
  });
});

describe("TypingThrottle", () => {
  it("lets one notice per user through per window", () => {
    const throttle = new TypingThrottle(1_000);
    expect([
      throttle.allow("a", 0),
      throttle.allow("a", 500),
      throttle.allow("b", 500),
      throttle.allow("a", 1_000),
    ]).toEqual([true, false, true, true]);
  });
});

describe("decodeFrame", () => {
  it("measures UTF-8 bytes, rejects binary and junk, and accepts the documented frames", () => {
    expect(decodeFrame(JSON.stringify({ type: "send", clientMsgId: "c", body: "é".repeat(600) }), 1_024).kind).toBe(
      "too_large",
    );
    expect(decodeFrame(new ArrayBuffer(4), 1_024)).toMatchObject({ kind: "invalid" });
    expect(decodeFrame("{", 1_024)).toEqual({ kind: "invalid", detail: "The frame is not JSON." });
    expect(decodeFrame('{"type":"read","seq":-1}', 1_024)).toMatchObject({ kind: "invalid" });
    expect(decodeFrame('{"type":"typing","extra":1}', 1_024)).toMatchObject({ kind: "invalid" });
    expect(decodeFrame('{"type":"read","seq":3}', 1_024)).toEqual({ kind: "frame", frame: { type: "read", seq: 3 } });
  });
});

describe("packArchive", () => {
  it("keeps seq order and splits by count and by encoded size", () => {
    const many = packArchive(
      "r",
      Array.from({ length: 250 }, (_, i) => message(i + 1)),
    );
    expect(many.map((e) => e.messages.length)).toEqual([100, 100, 50]);
    const big = packArchive(
      "r",
      Array.from({ length: 30 }, (_, i) => message(i + 1, "字".repeat(4_000))),
    );
    expect(big.length).toBeGreaterThan(3);
    expect(big.every((e) => new TextEncoder().encode(JSON.stringify(e)).byteLength < 128_000)).toBe(true);
    expect(big.flatMap((e) => e.messages.map((m) => m.seq))).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(packArchive("r", [])).toEqual([]);
  });
});

describe("parseRoomLimits", () => {
  it("has safe defaults and refuses malformed values", () => {
    expect(parseRoomLimits({})).toMatchObject({
      retentionMs: 7 * 86_400_000,
      maxFrameBytes: 16_384,
      maxBodyChars: 4_000,
      archiveBatch: 100,
    });
    expect(parseRoomLimits({ ROOM_RETENTION_DAYS: "1" }).retentionMs).toBe(86_400_000);
    expect(() => parseRoomLimits({ ROOM_ARCHIVE_BATCH: "500" })).toThrow();
    expect(() => parseRoomLimits({ ROOM_MAX_FRAME_BYTES: "big" })).toThrow();
  });
});

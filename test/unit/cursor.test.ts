import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeIdCursor as decodeCursor, encodeIdCursor as encodeCursor } from "../../src/lib/cursor";

describe("page cursors", () => {
  const id = "01936b2e-8f5c-7a3e-9b1d-2f4a6c8e0b1d";

  it("round-trip the last id of their own list, and are opaque base64url", () => {
    const cursor = encodeCursor("feed", id);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor("feed", cursor)).toBe(id);
  });

  it("are rejected by another list", () => {
    expect(decodeCursor("comments", encodeCursor("feed", id))).toBeUndefined();
  });

  it("never throw on junk", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (junk) => {
        expect(decodeCursor("feed", junk)).toBeUndefined();
      }),
    );
    expect(decodeCursor("feed", encodeCursor("feed", "not-an-id"))).toBeUndefined();
    expect(decodeCursor("feed", btoa('{"k":"feed","id":5}'))).toBeUndefined();
  });
});

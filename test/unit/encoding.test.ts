import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromBase64Url, timingSafeEqual, toBase64Url } from "../../src/lib/encoding";

describe("base64url", () => {
  it("round-trips any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = toBase64Url(bytes);
        expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(fromBase64Url(text)).toEqual(bytes);
      }),
    );
  });

  it("rejects characters outside the alphabet", () => {
    expect(() => fromBase64Url("abc+/=")).toThrow();
  });
});

describe("timingSafeEqual", () => {
  it("compares contents and lengths", () => {
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(timingSafeEqual(new Uint8Array([1]), new Uint8Array([1, 0]))).toBe(false);
  });
});

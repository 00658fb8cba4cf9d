import { describe, expect, it } from "vitest";
import { detectImageType } from "../../src/lib/image-type";

const bytes = (...parts: (number[] | string)[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === "string" ? [...p].map((ch) => ch.charCodeAt(0)) : p)));
const pad = new Array(16).fill(0);

describe("detectImageType (magic bytes)", () => {
  it("recognises PNG, JPEG, GIF, WebP and AVIF", () => {
    expect(detectImageType(bytes([0x89], "PNG\r\n\x1a\n", pad))?.mime).toBe("image/png");
    expect(detectImageType(bytes([0xff, 0xd8, 0xff, 0xe0], pad))?.mime).toBe("image/jpeg");
    expect(detectImageType(bytes("GIF89a", pad))?.mime).toBe("image/gif");
    expect(detectImageType(bytes("GIF87a", pad))?.ext).toBe("gif");
    expect(detectImageType(bytes("RIFF", [1, 2, 3, 4], "WEBPVP8 ", pad))?.mime).toBe("image/webp");
    expect(detectImageType(bytes([0, 0, 0, 0x1c], "ftypavif", pad))?.mime).toBe("image/avif");
  });

  it("rejects everything else, whatever it claims to be", () => {
    expect(detectImageType(bytes("<svg xmlns='http://www.w3.org/2000/svg'>"))).toBeUndefined();
    expect(detectImageType(bytes("<html><script>alert(1)</script>"))).toBeUndefined();
    expect(detectImageType(bytes("%PDF-1.7", pad))).toBeUndefined();
    expect(detectImageType(bytes("RIFF", [1, 2, 3, 4], "WAVEfmt ", pad))).toBeUndefined();
    expect(detectImageType(bytes([0x89], "PNG"))).toBeUndefined(); // too short to be an image
    expect(detectImageType(new Uint8Array())).toBeUndefined();
  });
});

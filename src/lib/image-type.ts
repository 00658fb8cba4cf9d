// Image type detection from magic bytes: uploads are judged by their content, never by the
// Content-Type the client declared. Only formats browsers display safely are recognised.

/** A recognised image format. */
export interface ImageType {
  mime: "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/avif";
  ext: "png" | "jpg" | "gif" | "webp" | "avif";
}

const ascii = (bytes: Uint8Array, start: number, end: number) => String.fromCharCode(...bytes.subarray(start, end));

const startsWith = (bytes: Uint8Array, prefix: readonly number[]) => prefix.every((b, i) => bytes[i] === b);

/** The image format of `bytes`, or undefined when they are not a PNG, JPEG, GIF, WebP or AVIF image. */
export function detectImageType(bytes: Uint8Array): ImageType | undefined {
  if (bytes.length < 12) return undefined;
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { mime: "image/png", ext: "png" };
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { mime: "image/jpeg", ext: "jpg" };
  const head = ascii(bytes, 0, 6);
  if (head === "GIF87a" || head === "GIF89a") return { mime: "image/gif", ext: "gif" };
  if (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 12) === "WEBP") return { mime: "image/webp", ext: "webp" };
  // ISO-BMFF: a `ftyp` box whose major brand is AVIF (still or sequence).
  if (ascii(bytes, 4, 8) === "ftyp" && ["avif", "avis"].includes(ascii(bytes, 8, 12)))
    return { mime: "image/avif", ext: "avif" };
  return undefined;
}

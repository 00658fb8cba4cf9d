// Password hashing: PBKDF2-SHA256 with a per-user salt and a server-side pepper.
// The stored string carries its parameters so the iteration count can be raised later
// (verifyPassword reports `needsRehash` and the login route upgrades the hash).
import { fromBase64Url, randomBytes, timingSafeEqual, toBase64Url } from "../lib/encoding";

const SCHEME = "pbkdf2-sha256";
const SALT_BYTES = 16;
const HASH_BITS = 256;

/** Pepper and iteration count, from configuration. */
export interface PasswordParams {
  iterations: number;
  pepper: string;
}

async function derive(password: string, salt: Uint8Array, iterations: number, pepper: string): Promise<Uint8Array> {
  // The pepper keys an HMAC over the password, so a stolen database alone cannot be brute-forced.
  const pepperKey = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(pepper),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const peppered = await crypto.subtle.sign("HMAC", pepperKey, new TextEncoder().encode(password));
  const baseKey = await crypto.subtle.importKey("raw", peppered, "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    baseKey,
    HASH_BITS,
  );
  return new Uint8Array(bits);
}

/** Hashes a password into `pbkdf2-sha256$<iterations>$<salt>$<hash>`. */
export async function hashPassword(password: string, params: PasswordParams): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, params.iterations, params.pepper);
  return [SCHEME, String(params.iterations), toBase64Url(salt), toBase64Url(hash)].join("$");
}

export interface VerifyResult {
  ok: boolean;
  /** True when the stored hash used weaker parameters than the current configuration. */
  needsRehash: boolean;
}

/** Checks a password against a stored hash in constant time. Malformed hashes never match. */
export async function verifyPassword(password: string, stored: string, params: PasswordParams): Promise<VerifyResult> {
  const [scheme, iterText, saltText, hashText] = stored.split("$");
  const iterations = Number(iterText);
  if (scheme !== SCHEME || !Number.isInteger(iterations) || iterations < 1 || !saltText || !hashText) {
    return { ok: false, needsRehash: false };
  }
  const expected = fromBase64Url(hashText);
  const actual = await derive(password, fromBase64Url(saltText), iterations, params.pepper);
  const ok = timingSafeEqual(actual, expected);
  return { ok, needsRehash: ok && iterations < params.iterations };
}

/**
 * Spends the same time as a real verification. Login calls it when the username is
 * unknown so response timing does not reveal which usernames exist.
 */
export async function burnPasswordCheck(password: string, params: PasswordParams): Promise<void> {
  await derive(password, new Uint8Array(SALT_BYTES), params.iterations, params.pepper);
}

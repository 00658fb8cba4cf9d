// Access tokens and per-task callback tokens: the only module that imports jose. One algorithm (HS256), pinned on
// both sides; issuer, audience, type, expiry, subject and session id are all required.
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { randomBytes, sha256Base64Url, toBase64Url } from "../lib/encoding";

export const ACCESS_TOKEN_ALG = "HS256";
/** RFC 9068 access-token type, checked on verify so other JWTs of ours never pass as access tokens. */
export const ACCESS_TOKEN_TYP = "at+jwt";

export interface JwtSettings {
  issuer: string;
  audience: string;
  secret: string;
  accessTtlSeconds: number;
}

export interface AccessClaims {
  sub: string;
  sid: string;
  username: string;
  exp: number;
}

/** Clock skew tolerated between Plaza's isolates on exp, nbf and iat (iat in the future is refused past it). */
export const CLOCK_SKEW_SECONDS = 5;

const encoder = new TextEncoder();

// Importing the HMAC key costs a Web Crypto call; the secret is fixed per isolate, so the
// imported key is kept (one entry per distinct secret, which is one in practice).
const hmacKeys = new Map<string, Promise<CryptoKey>>();

/** The HS256 key for `secret`, imported once per isolate. */
function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    hmacKeys.set(secret, key);
  }
  return key;
}

/** Signs a short-lived access token for one session. */
export async function signAccessToken(
  claims: { userId: string; sessionId: string; username: string },
  jwt: JwtSettings,
  now = Date.now(),
): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({ sid: claims.sessionId, username: claims.username })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, typ: ACCESS_TOKEN_TYP })
    .setIssuer(jwt.issuer)
    .setAudience(jwt.audience)
    .setSubject(claims.userId)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + jwt.accessTtlSeconds)
    .sign(await hmacKey(jwt.secret));
}

/**
 * Verifies an access token. Returns undefined for every kind of failure (bad signature,
 * other algorithm, `alg: none`, expired, not yet valid, wrong iss/aud/typ, missing claims):
 * callers answer all of them with the same bare 401.
 */
export async function verifyAccessToken(
  token: string,
  jwt: JwtSettings,
  now = Date.now(),
): Promise<AccessClaims | undefined> {
  const known = verified.get(token);
  if (known) {
    if (known.exp * 1000 > now) return known;
    verified.delete(token);
  }
  const claims = await verifySignedAccessToken(token, jwt);
  if (claims) {
    verified.set(token, claims);
    if (verified.size > MAX_VERIFIED) verified.delete(verified.keys().next().value!);
  }
  return claims;
}

// Tokens this isolate has verified, keyed by their exact text: a client sends the same token
// for up to 15 minutes, and a forged or altered token never equals a verified one, so the
// signature check runs once per token and isolate. Entries end with the token's `exp`.
const MAX_VERIFIED = 10_000;
const verified = new Map<string, AccessClaims>();

async function verifySignedAccessToken(token: string, jwt: JwtSettings): Promise<AccessClaims | undefined> {
  try {
    const { payload } = await jwtVerify(token, await hmacKey(jwt.secret), {
      algorithms: [ACCESS_TOKEN_ALG],
      issuer: jwt.issuer,
      audience: jwt.audience,
      typ: ACCESS_TOKEN_TYP,
      requiredClaims: ["sub", "sid", "exp", "iat", "nbf"],
      clockTolerance: CLOCK_SKEW_SECONDS,
      // Checks iat too: not later than now + the skew, not older than a token lives.
      maxTokenAge: jwt.accessTtlSeconds,
    });
    const { sub, sid, username, exp } = payload;
    if (typeof sub !== "string" || typeof sid !== "string" || typeof username !== "string" || typeof exp !== "number") {
      return undefined;
    }
    return { sub, sid, username, exp };
  } catch (err) {
    if (err instanceof joseErrors.JOSEError || err instanceof TypeError) return undefined;
    throw err;
  }
}

/** A new opaque refresh token (256 random bits) and the hash that is stored instead of it. */
export async function newRefreshToken(): Promise<{ token: string; hash: string }> {
  const token = toBase64Url(randomBytes(32));
  return { token, hash: await hashRefreshToken(token) };
}

/** The stored form of a refresh token. */
export function hashRefreshToken(token: string): Promise<string> {
  return sha256Base64Url(token);
}

// ---------------------------------------------------------------- task callback tokens

/** `typ` of per-task callback tokens: never accepted as an access token, and vice versa. */
export const TASK_TOKEN_TYP = "task-cb+jwt";
/** Audience of per-task callback tokens (access tokens carry JWT_AUDIENCE instead). */
export const TASK_TOKEN_AUDIENCE = "plaza-task-callback";

export interface TaskTokenClaims {
  /** The task the bearer may report on (and read the source of). */
  taskId: string;
  /** The attempt (job) the token was issued for. */
  jobId: string;
}

/** Signs the token a plaza-job backend presents on its callbacks for one attempt of one task. */
export async function signTaskToken(
  claims: TaskTokenClaims,
  jwt: Pick<JwtSettings, "issuer" | "secret">,
  ttlSeconds: number,
  now = Date.now(),
): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({ jid: claims.jobId })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, typ: TASK_TOKEN_TYP })
    .setIssuer(jwt.issuer)
    .setAudience(TASK_TOKEN_AUDIENCE)
    .setSubject(claims.taskId)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(await hmacKey(jwt.secret));
}

/** Verifies a callback token; undefined for every failure (including an access token presented here). */
export async function verifyTaskToken(
  token: string,
  jwt: Pick<JwtSettings, "issuer" | "secret">,
): Promise<TaskTokenClaims | undefined> {
  try {
    const { payload } = await jwtVerify(token, await hmacKey(jwt.secret), {
      algorithms: [ACCESS_TOKEN_ALG],
      issuer: jwt.issuer,
      audience: TASK_TOKEN_AUDIENCE,
      typ: TASK_TOKEN_TYP,
      requiredClaims: ["sub", "jid", "exp", "iat"],
      clockTolerance: CLOCK_SKEW_SECONDS,
    });
    const { sub, jid } = payload;
    if (typeof sub !== "string" || typeof jid !== "string") return undefined;
    return { taskId: sub, jobId: jid };
  } catch (err) {
    if (err instanceof joseErrors.JOSEError || err instanceof TypeError) return undefined;
    throw err;
  }
}

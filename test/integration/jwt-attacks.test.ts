// The access-token attack list: every forged, stale or misdirected token is a bare 401.
import { env } from "cloudflare:workers";
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { call, expectProblem, registerUser, type TestUser } from "../support/api";

const secret = new TextEncoder().encode(env.JWT_SECRET);
const now = () => Math.floor(Date.now() / 1000);
let victim: TestUser;
let sid: string;

function b64url(value: unknown): string {
  return btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function claims(overrides: JWTPayload = {}): JWTPayload {
  const iat = now();
  return {
    iss: env.JWT_ISSUER,
    aud: env.JWT_AUDIENCE,
    sub: victim.user.id,
    sid,
    username: victim.user.username,
    iat,
    nbf: iat,
    exp: iat + 600,
    ...overrides,
  };
}

function sign(
  payload: JWTPayload,
  header: { alg: string; typ?: string } = { alg: "HS256", typ: "at+jwt" },
  key: Uint8Array | CryptoKey = secret,
) {
  return new SignJWT(payload).setProtectedHeader(header).sign(key);
}

function withoutClaim(name: string): JWTPayload {
  const c = claims();
  delete c[name];
  return c;
}

beforeAll(async () => {
  victim = await registerUser("jwt");
  const payload = JSON.parse(atob(victim.accessToken.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as {
    sid: string;
  };
  sid = payload.sid;
});

describe("access token verification", () => {
  it("accepts a correctly signed token with every claim (control case)", async () => {
    const res = await call("/v1/me", { token: await sign(claims()) });
    expect(res.status).toBe(200);
  });

  const attacks: [string, () => Promise<string>][] = [
    ["alg none", async () => `${b64url({ alg: "none", typ: "at+jwt" })}.${b64url(claims())}.`],
    ["HS512 with the same secret", () => sign(claims(), { alg: "HS512", typ: "at+jwt" })],
    ["HS384 with the same secret", () => sign(claims(), { alg: "HS384", typ: "at+jwt" })],
    [
      "RS256 with an attacker key",
      async () => sign(claims(), { alg: "RS256", typ: "at+jwt" }, (await generateKeyPair("RS256")).privateKey),
    ],
    [
      "ES256 with an attacker key",
      async () => sign(claims(), { alg: "ES256", typ: "at+jwt" }, (await generateKeyPair("ES256")).privateKey),
    ],
    [
      "RS256 header with the public key as HMAC secret (key confusion)",
      async () => {
        const { publicKey } = await generateKeyPair("RS256", { extractable: true });
        const jwk = JSON.stringify(await exportJWK(publicKey));
        return `${b64url({ alg: "RS256", typ: "at+jwt" })}.${b64url(claims())}.${b64url(jwk)}`;
      },
    ],
    [
      "the wrong HMAC key",
      () => sign(claims(), undefined, new TextEncoder().encode("another-secret-another-secret-another!!")),
    ],
    ["expired", () => sign(claims({ iat: now() - 3600, nbf: now() - 3600, exp: now() - 60 }))],
    ["not yet valid", () => sign(claims({ nbf: now() + 600, exp: now() + 1200 }))],
    ["issued an hour in the future (iat past the clock skew)", () => sign(claims({ iat: now() + 3600 }))],
    ["issued a minute in the future", () => sign(claims({ iat: now() + 60 }))],
    ["issued longer ago than the token lifetime", () => sign(claims({ iat: now() - 7200 }))],
    ["the wrong issuer", () => sign(claims({ iss: "someone-else" }))],
    ["the wrong audience", () => sign(claims({ aud: "another-api" }))],
    ["the wrong typ", () => sign(claims(), { alg: "HS256", typ: "JWT" })],
    ["no typ", () => sign(claims(), { alg: "HS256" })],
    ["a refresh token used as an access token", async () => victim.refreshToken],
    [
      "a tampered payload (sub changed, signature kept)",
      async () => {
        const [h, , s] = (await sign(claims())).split(".");
        return `${h}.${b64url(claims({ sub: "01900000-0000-7000-8000-000000000000" }))}.${s}`;
      },
    ],
    ["missing sub", () => sign(withoutClaim("sub"))],
    ["missing sid", () => sign(withoutClaim("sid"))],
    ["missing exp", () => sign(withoutClaim("exp"))],
    ["missing iss", () => sign(withoutClaim("iss"))],
    ["missing aud", () => sign(withoutClaim("aud"))],
    ["missing username", () => sign(withoutClaim("username"))],
    ["a non-string sid", () => sign(claims({ sid: 42 as unknown as string }))],
    ["garbage", async () => "not.a.jwt"],
    ["an empty bearer", async () => ""],
  ];

  it.each(attacks)("rejects %s with 401", async (_name, forge) => {
    const token = await forge();
    const res = await call("/v1/me", { headers: { Authorization: `Bearer ${token}` } });
    await expectProblem(res, 401, "unauthorized");
    expect(res.headers.get("WWW-Authenticate")).toBe("Bearer");
  });

  it("accepts the scheme in any case (RFC 7235)", async () => {
    expect((await call("/v1/me", { headers: { Authorization: `bearer ${victim.accessToken}` } })).status).toBe(200);
  });

  it("rejects a valid token for a session that was logged out", async () => {
    const u = await registerUser("jwtout");
    await call("/v1/auth/logout", { method: "POST", token: u.accessToken });
    await expectProblem(await call("/v1/me", { token: u.accessToken }), 401, "unauthorized");
  });

  it("rejects other Authorization schemes", async () => {
    for (const header of [
      `Basic ${btoa("a:b")}`,
      `Token ${victim.accessToken}`,
      victim.accessToken,
      `Bearer  ${victim.accessToken}`,
    ]) {
      await expectProblem(await call("/v1/me", { headers: { Authorization: header } }), 401, "unauthorized");
    }
  });
});

// A local Web Push service for the tests (vitest globalSetup, runs in Node): a real HTTP
// server that speaks RFC 8030, decrypts every payload (RFC 8291 aes128gcm, with http_ece),
// and verifies the VAPID JWT and key (RFC 8292) before it accepts a push (201).
//
//   POST /subscribe {applicationServerKey}  -> a subscription: {id, endpoint, keys}
//   POST /push/<id>                         the push endpoint (Plaza sends here)
//   GET  /received/<id>                     what arrived: decrypted payloads and the checks
//   POST /expire/<id>                       from now on the endpoint answers 410 Gone
//
// Plaza sends pushes to https://push.plaza.test/...; the vitest config routes that host here.
import { createECDH, createPublicKey, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeProtectedHeader, importJWK, jwtVerify } from "jose";
import type { TestProject } from "vitest/node";
// http_ece has no types; its decrypt(buffer, params) is all we need.
import ece from "http_ece";

export const PUSH_ORIGIN = "https://push.plaza.test";

interface Subscription {
  ecdh: ReturnType<typeof createECDH>;
  auth: Buffer;
  applicationServerKey: string;
  expired: boolean;
  received: Received[];
}

export interface Received {
  payload: unknown;
  vapid: { ok: boolean; sub?: string; aud?: string; error?: string };
  headers: { ttl: string | null; urgency: string | null; topic: string | null; contentEncoding: string | null };
}

declare module "vitest" {
  export interface ProvidedContext {
    pushServiceUrl: string;
  }
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** RFC 8292: `vapid t=<JWT>, k=<key>`; the key must be the one the subscription was made with. */
async function checkVapid(header: string | undefined, expectedKey: string): Promise<Received["vapid"]> {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? "");
  if (!match) return { ok: false, error: "no vapid authorization" };
  const [, token, key] = match as unknown as [string, string, string];
  if (key !== expectedKey) return { ok: false, error: "key does not match the subscription's applicationServerKey" };
  try {
    if (decodeProtectedHeader(token).alg !== "ES256") return { ok: false, error: "alg is not ES256" };
    const raw = Buffer.from(key, "base64url");
    const jwk = {
      kty: "EC",
      crv: "P-256",
      x: raw.subarray(1, 33).toString("base64url"),
      y: raw.subarray(33, 65).toString("base64url"),
    };
    createPublicKey({ key: jwk, format: "jwk" }); // throws on a point not on the curve
    const { payload } = await jwtVerify(token, await importJWK(jwk, "ES256"), {
      audience: PUSH_ORIGIN,
      algorithms: ["ES256"],
    });
    if (typeof payload.exp !== "number" || payload.exp > Date.now() / 1000 + 24 * 3600)
      return { ok: false, error: "exp missing or over 24 h" };
    if (typeof payload.sub !== "string" || !/^(mailto:|https:)/.test(payload.sub))
      return { ok: false, error: "sub is not mailto: or https:" };
    return { ok: true, sub: payload.sub, aud: String(payload.aud) };
  } catch (err) {
    return { ok: false, error: String(err) };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const subscriptions = new Map<string, Subscription>();
  const reply = (res: ServerResponse, status: number, json?: unknown) => {
    res.writeHead(status, json === undefined ? {} : { "Content-Type": "application/json" });
    res.end(json === undefined ? undefined : JSON.stringify(json));
  };
  const server = createServer(async (req, res) => {
    const [, action, id] = (req.url ?? "").split("/");
    const sub = id ? subscriptions.get(id) : undefined;
    try {
      if (req.method === "POST" && action === "subscribe") {
        const { applicationServerKey } = JSON.parse((await body(req)).toString()) as { applicationServerKey: string };
        const ecdh = createECDH("prime256v1");
        ecdh.generateKeys();
        const newId = randomUUID();
        subscriptions.set(newId, { ecdh, auth: randomBytes(16), applicationServerKey, expired: false, received: [] });
        const s = subscriptions.get(newId)!;
        return reply(res, 201, {
          id: newId,
          endpoint: `${PUSH_ORIGIN}/push/${newId}`,
          keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth: s.auth.toString("base64url") },
        });
      }
      if (!sub) return reply(res, 404);
      if (req.method === "GET" && action === "received") return reply(res, 200, sub.received);
      if (req.method === "POST" && action === "expire") {
        sub.expired = true;
        return reply(res, 204);
      }
      if (req.method === "POST" && action === "push") {
        const data = await body(req);
        if (sub.expired) return reply(res, 410);
        const vapid = await checkVapid(req.headers.authorization, sub.applicationServerKey);
        if (!vapid.ok) return reply(res, 403, { error: vapid.error });
        if (req.headers["content-encoding"] !== "aes128gcm")
          return reply(res, 415, { error: "content-encoding must be aes128gcm" });
        if (!req.headers.ttl) return reply(res, 400, { error: "TTL header required" });
        const plain = ece.decrypt(data, {
          version: "aes128gcm",
          privateKey: sub.ecdh,
          authSecret: sub.auth.toString("base64url"),
        }) as Buffer;
        sub.received.push({
          payload: JSON.parse(plain.toString("utf8")),
          vapid,
          headers: {
            ttl: (req.headers.ttl as string | undefined) ?? null,
            urgency: (req.headers.urgency as string | undefined) ?? null,
            topic: (req.headers.topic as string | undefined) ?? null,
            contentEncoding: req.headers["content-encoding"] ?? null,
          },
        });
        res.writeHead(201, { Location: `${PUSH_ORIGIN}/message/${randomUUID()}` });
        return res.end();
      }
      reply(res, 404);
    } catch (err) {
      reply(res, 400, { error: String(err) });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  project.provide("pushServiceUrl", `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return () => new Promise((resolve) => server.close(() => resolve()));
}

// Helpers for Web Push tests against the local test push service (test/setup/push-service.ts),
// which decrypts every payload (RFC 8291) and verifies the VAPID JWT and key (RFC 8292).
import { expect } from "vitest";
import { call, json, type TestUser } from "./api";

export interface ReceivedPush {
  payload: { type: string; roomId: string; seq: number; preview: string; sender: { id: string }; unread: number };
  vapid: { ok: boolean; sub: string; aud: string };
  headers: { ttl: string; urgency: string; contentEncoding: string; topic: string };
}

/** The push service's own test routes, through the same host Plaza's pushes use. */
export const pushService = (path: string, init?: RequestInit) => fetch(`https://push.plaza.test${path}`, init);

/** A subscription made at the push service with Plaza's VAPID key, registered with Plaza. */
export async function subscribe(user: TestUser): Promise<{ id: string; plazaId: string }> {
  const key = await json<{ publicKey: string }>(await call("/v1/push/vapid-public-key", { token: user.accessToken }));
  const sub = await (
    await pushService("/subscribe", { method: "POST", body: JSON.stringify({ applicationServerKey: key.publicKey }) })
  ).json<{
    id: string;
    endpoint: string;
    keys: { p256dh: string; auth: string };
  }>();
  const res = await call("/v1/push/subscriptions", {
    token: user.accessToken,
    body: { endpoint: sub.endpoint, keys: sub.keys, expirationTime: null },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return { id: sub.id, plazaId: (await json<{ id: string }>(res)).id };
}

/** What the push service has received for subscription `id`, oldest first. */
export const receivedPushes = async (id: string) => (await pushService(`/received/${id}`)).json<ReceivedPush[]>();

// Web Push to a user's subscriptions (RFC 8030 delivery, RFC 8291 aes128gcm payload
// encryption, RFC 8292 VAPID), through @block65/webcrypto-web-push (Web Crypto, runs on
// Workers). A push service answering 404 or 410 means the subscription is gone.
import { buildPushPayload } from "@block65/webcrypto-web-push";
import type { ImSettings } from "../../src/config";
import type { Message } from "../../src/protocol/protocol";
import type { PushSubscriptionRow } from "./store";

/** What a push carries: enough for a notification, never more than a preview. */
export interface PushNotice {
  type: "message";
  roomId: string;
  seq: number;
  sender: { id: string; username: string };
  preview: string;
  unread: number;
}

const PREVIEW_CHARS = 140;
const PUSH_TIMEOUT_MS = 10_000;

export function noticeOf(message: Message, unread: number): PushNotice {
  return {
    type: "message",
    roomId: message.roomId,
    seq: message.seq,
    sender: message.sender,
    preview: message.body.slice(0, PREVIEW_CHARS),
    unread,
  };
}

export type PushOutcome = "sent" | "gone" | "failed";

/** Sends one notice to one subscription. */
export async function sendPush(
  vapid: NonNullable<ImSettings["vapid"]>,
  ttl: number,
  sub: PushSubscriptionRow,
  notice: PushNotice,
): Promise<PushOutcome> {
  const subscription = { endpoint: sub.endpoint, expirationTime: null, keys: { p256dh: sub.p256dh, auth: sub.auth } };
  const payload = await buildPushPayload(
    {
      data: { ...notice },
      options: { ttl, urgency: "normal", topic: `room-${notice.roomId.replace(/[^A-Za-z0-9]/g, "").slice(0, 27)}` },
    },
    subscription,
    vapid,
  );
  const res = await fetch(sub.endpoint, {
    method: "POST",
    headers: payload.headers,
    body: payload.body,
    signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
  });
  await res.body?.cancel();
  if (res.status === 404 || res.status === 410) return "gone";
  return res.ok ? "sent" : "failed";
}

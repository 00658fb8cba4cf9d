// Instant messaging schemas (API.md "Rooms", "Instant messaging additions").
import { z } from "@hono/zod-openapi";
import { IdSchema, TimestampSchema } from "./common";
import { RoomParamSchema } from "./rooms";

export const DirectRoomBodySchema = z.strictObject({ userId: IdSchema }).openapi("DirectRoomBody");

export const MessageParamSchema = RoomParamSchema.extend({
  seq: z.coerce
    .number()
    .int()
    .positive()
    .max(Number.MAX_SAFE_INTEGER)
    .openapi({ param: { name: "seq", in: "path" }, example: 42 }),
});

export const EditMessageBodySchema = z
  .strictObject({
    body: z.string().min(1).max(100_000).openapi({ description: "1 to ROOM_MAX_BODY_CHARS (4,000) characters" }),
  })
  .openapi("EditMessageBody");

const Base64Url = (bytes: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+={0,2}$/)
    .length(Math.ceil((bytes * 4) / 3));

export const PushSubscriptionBodySchema = z
  .strictObject({
    endpoint: z
      .url({ protocol: /^https$/ })
      .max(1_024)
      .openapi({
        description: "The push service URL from PushSubscription.toJSON() (HTTPS)",
        example: "https://push.example/abc",
      }),
    expirationTime: z.number().nullable().optional(),
    keys: z.strictObject({
      p256dh: Base64Url(65).openapi({ description: "The browser's P-256 public key (base64url, 65 bytes)" }),
      auth: Base64Url(16).openapi({ description: "The browser's auth secret (base64url, 16 bytes)" }),
    }),
  })
  .openapi("PushSubscriptionBody");

export const PushSubscriptionSchema = z
  .object({ id: z.string(), endpoint: z.string(), createdAt: TimestampSchema })
  .openapi("PushSubscription");

export const SubscriptionParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});

export const VapidKeySchema = z
  .object({
    publicKey: z
      .string()
      .nullable()
      .openapi({ description: "applicationServerKey for pushManager.subscribe(); null when push is off" }),
  })
  .openapi("VapidKey");

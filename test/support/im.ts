// Helpers for instant messaging tests: inbox sockets (with their `welcome`), a second device
// of a user, direct rooms, and reading a user's inbox object.
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { call, json, type TestUser } from "./api";
import type { TestRoom } from "./rooms";
import { type Frame, openSocket, type TestSocket } from "./sockets";

/** Opens an inbox socket and waits for its `welcome`. */
export async function inboxSocket(token: string): Promise<TestSocket & { welcome: Frame }> {
  const socket = await openSocket("/v1/inbox/ws", { token });
  const welcome = await socket.next((f) => f.type === "welcome");
  return { ...socket, welcome };
}

/** Logs the user in again: another session (device) with its own token. */
export async function secondDevice(user: TestUser): Promise<string> {
  const res = await call("/v1/auth/login", {
    body: { username: user.user.username, password: user.password, deviceId: "second" },
  });
  expect(res.status).toBe(200);
  return (await json<{ accessToken: string }>(res)).accessToken;
}

/** Opens (or finds) the direct room of `me` and `peer`. */
export async function directRoom(
  me: TestUser,
  peer: TestUser,
): Promise<TestRoom & { peer: { id: string; username: string } }> {
  const res = await call("/v1/rooms/direct", { token: me.accessToken, body: { userId: peer.user.id } });
  expect([200, 201], await res.clone().text()).toContain(res.status);
  return json(res);
}

export interface MyRoom extends TestRoom {
  unread: number;
  readSeq: number;
  lastSeq: number;
  lastMessage: { seq: number; body: string; sender: { id: string } } | null;
}

/** The caller's room list entry for `roomId` (GET /v1/rooms). */
export async function myRoom(user: TestUser, roomId: string): Promise<MyRoom | undefined> {
  const page = await json<{ items: MyRoom[] }>(await call("/v1/rooms?limit=100", { token: user.accessToken }));
  return page.items.find((r) => r.id === roomId);
}

export const inboxObject = (userId: string) => env.INBOX.get(env.INBOX.idFromName(userId));

/** Polls `check` until it returns a value (not undefined) or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

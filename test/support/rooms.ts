// Helpers for room tests: create rooms and members through the API, open room sockets, and
// wait for the room archive to reach D1.
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { call, json, registerUser, type TestUser } from "./api";
import { type Frame, openSocket, type TestSocket } from "./sockets";

export interface TestRoom {
  id: string;
  kind: string;
  name: string;
  memberCount: number;
  role?: string;
}

export interface TestMessage {
  id: string;
  roomId: string;
  seq: number;
  clientMsgId: string;
  sender: { id: string; username: string };
  body: string;
  createdAt: string;
}

/** Creates a room as `owner` and returns it. */
export async function createRoom(
  owner: TestUser,
  body: { kind: "channel" | "group"; name?: string; memberIds?: string[] },
): Promise<TestRoom> {
  const res = await call("/v1/rooms", {
    token: owner.accessToken,
    body: { name: `room ${crypto.randomUUID().slice(0, 8)}`, ...body },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return json<TestRoom>(res);
}

/** A channel with `count` fresh members (the first is the owner). */
export async function channelWith(count: number): Promise<{ room: TestRoom; users: TestUser[] }> {
  const users = await Promise.all(Array.from({ length: count }, () => registerUser("rm")));
  const room = await createRoom(users[0]!, { kind: "channel", memberIds: users.slice(1).map((u) => u.user.id) });
  return { room, users };
}

/** Opens a room socket and waits for its `welcome`. */
export async function roomSocket(roomId: string, user: TestUser, query = ""): Promise<TestSocket & { welcome: Frame }> {
  const socket = await openSocket(`/v1/rooms/${roomId}/ws${query}`, { token: user.accessToken });
  const welcome = await socket.next();
  expect(welcome.type).toBe("welcome");
  return { ...socket, welcome };
}

/** Sends over HTTP and returns the stored message. */
export async function postMessage(
  roomId: string,
  user: TestUser,
  clientMsgId: string,
  body: string,
): Promise<TestMessage> {
  // A user's sends share one budget per room (docs/decisions/0070): like any good client,
  // wait as long as a 429 says and send again (the clientMsgId makes that safe).
  for (;;) {
    const res = await call(`/v1/rooms/${roomId}/messages`, { token: user.accessToken, body: { clientMsgId, body } });
    if (res.status === 429) {
      await new Promise((r) => setTimeout(r, Number(res.headers.get("Retry-After") ?? "1") * 1000));
      continue;
    }
    expect(res.status, await res.clone().text()).toBe(201);
    return json<TestMessage>(res);
  }
}

/** The next frames of `type`, `count` of them. */
export async function framesOf(socket: TestSocket, type: string, count: number, timeoutMs = 5_000): Promise<Frame[]> {
  const out: Frame[] = [];
  while (out.length < count) out.push(await socket.next((f) => f.type === type, timeoutMs));
  return out;
}

export const roomObject = (roomId: string) => env.ROOM.get(env.ROOM.idFromName(roomId));

/** Waits until D1's archive holds `count` messages of the room (the queue batches for up to 5 s). */
export async function archivedCount(roomId: string, count: number, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM messages WHERE room_id = ?")
      .bind(roomId)
      .first<{ n: number }>();
    const n = row?.n ?? 0;
    if (n >= count || Date.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Read state (docs/decisions/0071): unread is derived from the room's log and the member's
// read cursor; an inbox keeps a counter with a high-water mark and asks the room when it
// finds a gap or comes back. These tests drive the real objects through the Worker and their
// RPCs, and compare every count with what the log says.
import { runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Inbox } from "../../durable/inbox";
import { call, registerUser, type TestUser } from "../support/api";
import { eventually, inboxObject, inboxSocket, myRoom } from "../support/im";
import { createRoom, postMessage, roomObject, type TestMessage } from "../support/rooms";
import type { TestSocket } from "../support/sockets";

async function groupOf(size: number) {
  const users = await Promise.all(Array.from({ length: size }, () => registerUser("rs")));
  const room = await createRoom(users[0]!, { kind: "group", memberIds: users.slice(1).map((u) => u.user.id) });
  return { room, users };
}

const sender = (u: TestUser) => ({ userId: u.user.id, username: u.user.username });

async function read(user: TestUser, roomId: string, seq: number): Promise<void> {
  const res = await call(`/v1/rooms/${roomId}/read`, { token: user.accessToken, body: { seq } });
  expect(res.status, await res.clone().text()).toBe(204);
}

async function remove(user: TestUser, roomId: string, seq: number): Promise<void> {
  const res = await call(`/v1/rooms/${roomId}/messages/${seq}`, { method: "DELETE", token: user.accessToken });
  expect(res.status, await res.clone().text()).toBe(204);
}

/** Waits until the user's room list shows `unread` for the room (deliveries are asynchronous). */
async function unreadBecomes(user: TestUser, roomId: string, unread: number) {
  return eventually(async () => {
    const room = await myRoom(user, roomId);
    return room?.unread === unread ? room : undefined;
  }, 8_000).catch(async () => {
    throw new Error(`unread of ${user.user.username}: ${(await myRoom(user, roomId))?.unread}, expected ${unread}`);
  });
}

describe("read state", () => {
  it("a round that starts past what the inbox counted is a gap: the inbox asks the room and is exact", async () => {
    const { room, users } = await groupOf(2);
    const [alice, bob] = users as [TestUser, TestUser];
    const socket = await inboxSocket(bob.accessToken);
    const first = await postMessage(room.id, alice, "g1", "one");
    await unreadBecomes(bob, room.id, 1);
    // Messages 2 and 3 reach the room; the inbox hears only of 3 (a lost round), as the room sends it.
    const second = await postMessage(room.id, alice, "g2", "two");
    const third = await postMessage(room.id, alice, "g3", "three");
    const result = await inboxObject(bob.user.id).deliver(bob.user.id, {
      room: { id: room.id, kind: "group", memberCount: 2 },
      fromSeq: second.seq,
      entries: [{ type: "message", message: third }],
      watching: [],
    });
    expect(result.listening).toBe(true);
    expect(await myRoom(bob, room.id)).toMatchObject({ unread: 3, lastSeq: 3 });
    expect((await inboxObject(bob.user.id).stats()).gaps).toBeGreaterThanOrEqual(1);
    // The round the room itself sends later is skipped: nothing counts twice.
    await new Promise((r) => setTimeout(r, 1_200));
    expect((await myRoom(bob, room.id))!.unread).toBe(3);
    expect(first.seq).toBe(1);
    socket.close();
  });

  it("a room that restarts mid-round sends the round again: what the inbox has is skipped", async () => {
    const { room, users } = await groupOf(2);
    const [alice, bob] = users as [TestUser, TestUser];
    const socket = await inboxSocket(bob.accessToken);
    const sent: TestMessage[] = [];
    for (let i = 1; i <= 3; i++) sent.push(await postMessage(room.id, alice, `e${i}`, `m${i}`));
    await unreadBecomes(bob, room.id, 3);
    const fourth = await postMessage(room.id, alice, "e4", "m4");
    // As a room evicted before recording its fan-out mark would: everything since seq 0, again.
    await inboxObject(bob.user.id).deliver(bob.user.id, {
      room: { id: room.id, kind: "group", memberCount: 2 },
      fromSeq: 0,
      entries: [...sent, fourth].map((message) => ({ type: "message" as const, message })),
      watching: [],
    });
    await unreadBecomes(bob, room.id, 4);
    await new Promise((r) => setTimeout(r, 1_200));
    expect((await myRoom(bob, room.id))!.unread).toBe(4);
    socket.close();
  });

  it("deleting an unread message takes it off, live and for an inbox that was away; an edit changes no count", async () => {
    const { room, users } = await groupOf(3);
    const [alice, bob, carol] = users as [TestUser, TestUser, TestUser];
    const socket = await inboxSocket(bob.accessToken);
    const m1 = await postMessage(room.id, alice, "d1", "keep");
    const m2 = await postMessage(room.id, alice, "d2", "oops");
    await unreadBecomes(bob, room.id, 2);
    await remove(alice, room.id, m2.seq);
    const edit = await call(`/v1/rooms/${room.id}/messages/${m1.seq}`, {
      method: "PATCH",
      token: alice.accessToken,
      body: { body: "kept, edited" },
    });
    expect(edit.status).toBe(200);
    expect(await socket.next((f) => f.type === "unread" && f.unread === 1)).toMatchObject({ roomId: room.id });
    await unreadBecomes(bob, room.id, 1);
    // Carol never listened: the room counts for her when she comes back.
    expect(await myRoom(carol, room.id)).toMatchObject({ unread: 1, lastSeq: 4 });
    socket.close();
  });

  it("reading on one device is what every device sees, including one that connects later", async () => {
    const { room, users } = await groupOf(2);
    const [alice, bob] = users as [TestUser, TestUser];
    for (let i = 1; i <= 4; i++) await postMessage(room.id, alice, `r${i}`, `m${i}`);
    expect((await myRoom(bob, room.id))!.unread).toBe(4);
    await read(bob, room.id, 3);
    const later = await inboxSocket(bob.accessToken);
    const standing = (later.welcome.rooms as { roomId: string; unread: number; readSeq: number }[]).find(
      (r) => r.roomId === room.id,
    );
    expect(standing).toMatchObject({ unread: 1, readSeq: 3 });
    // A message from bob himself reads the room up to it, on every device.
    await postMessage(room.id, alice, "r5", "m5");
    await unreadBecomes(bob, room.id, 2);
    await postMessage(room.id, bob, "r6", "mine");
    await unreadBecomes(bob, room.id, 0);
    later.close();
  });

  it("a member removed and added again starts with nothing unread, then counts new messages", async () => {
    const { room, users } = await groupOf(2);
    const [alice, bob] = users as [TestUser, TestUser];
    await postMessage(room.id, alice, "x1", "before");
    expect((await myRoom(bob, room.id))!.unread).toBe(1);
    const out = await call(`/v1/rooms/${room.id}/members/${bob.user.id}`, {
      method: "DELETE",
      token: alice.accessToken,
    });
    expect(out.status).toBe(204);
    await postMessage(room.id, alice, "x2", "while away");
    const back = await call(`/v1/rooms/${room.id}/members`, {
      token: alice.accessToken,
      body: { userId: bob.user.id },
    });
    expect(back.status).toBe(204);
    expect(await myRoom(bob, room.id)).toMatchObject({ unread: 0, readSeq: 2 });
    await postMessage(room.id, alice, "x3", "after");
    await unreadBecomes(bob, room.id, 1);
  });

  it("an inbox that missed a thousand messages while away is exact on return, with one call to the room", async () => {
    const { room, users } = await groupOf(2);
    const [, bob] = users as [TestUser, TestUser];
    const senders = await Promise.all(Array.from({ length: 25 }, () => registerUser("rs")));
    await Promise.all(
      senders.map((u) =>
        call(`/v1/rooms/${room.id}/members`, { token: users[0]!.accessToken, body: { userId: u.user.id } }),
      ),
    );
    const stub = roomObject(room.id);
    await Promise.all(
      senders.map(async (u) => {
        for (let i = 0; i < 40; i++) {
          const result = await stub.post(sender(u), `k${i}`, `bulk ${i}`);
          expect(result.ok).toBe(true);
        }
      }),
    );
    const before = (await inboxObject(bob.user.id).stats()).roomCalls;
    expect(await myRoom(bob, room.id)).toMatchObject({ unread: 1_000, lastSeq: 1_000 });
    expect((await inboxObject(bob.user.id).stats()).roomCalls - before).toBe(1);
    expect((await inboxObject(bob.user.id).stats()).deliveries).toBe(0);
  });

  it("converts an inbox of the old layout (a row per unread and per applied message) without losing a count", async () => {
    const { room, users } = await groupOf(2);
    const [alice, bob] = users as [TestUser, TestUser];
    for (let i = 1; i <= 3; i++) await postMessage(room.id, alice, `o${i}`, `m${i}`);
    const stub = inboxObject(`old-layout-${bob.user.id}`);
    const counts = await runInDurableObject(stub, async (_instance: Inbox, state) => {
      const sql = state.storage.sql;
      // The layout before read state (durable/inbox/store.ts at 07c4488), as an inbox left it.
      for (const t of ["rooms", "unread", "seen", "inbox_state"]) sql.exec(`DROP TABLE IF EXISTS ${t}`);
      sql.exec(`CREATE TABLE rooms (room_id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, role TEXT,
        member_count INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, activity_at INTEGER NOT NULL,
        member INTEGER NOT NULL DEFAULT 1, read_seq INTEGER NOT NULL DEFAULT 0, last_seq INTEGER NOT NULL DEFAULT 0,
        last_message TEXT, peer_id TEXT, peer_username TEXT, seen_floor INTEGER NOT NULL DEFAULT 0)`);
      sql.exec(`CREATE TABLE unread (room_id TEXT NOT NULL, seq INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (room_id, seq)) WITHOUT ROWID`);
      sql.exec(`CREATE TABLE seen (room_id TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL,
        PRIMARY KEY (room_id, seq)) WITHOUT ROWID`);
      sql.exec(`CREATE TABLE inbox_state (id INTEGER PRIMARY KEY CHECK (id = 1), built INTEGER NOT NULL DEFAULT 0,
        deliveries INTEGER NOT NULL DEFAULT 0, applied INTEGER NOT NULL DEFAULT 0, duplicates INTEGER NOT NULL DEFAULT 0,
        pushes INTEGER NOT NULL DEFAULT 0)`);
      sql.exec("INSERT INTO inbox_state (id, built) VALUES (1, 1)");
      sql.exec(
        "INSERT INTO rooms (room_id, kind, name, created_at, activity_at, read_seq, last_seq) VALUES (?, 'group', 'g', 0, 0, 1, 3)",
        room.id,
      );
      sql.exec(
        "INSERT INTO rooms (room_id, kind, name, created_at, activity_at, member, last_seq) VALUES ('gone', 'group', 'h', 0, 0, 0, 9)",
      );
      // Seqs 2 and 3 unread, 3 deleted later; one stale row at the cursor.
      for (const [seq, deleted] of [
        [1, 0],
        [2, 0],
        [3, 1],
      ])
        sql.exec("INSERT INTO unread VALUES (?, ?, ?)", room.id, seq, deleted);
      for (const seq of [1, 2, 3]) sql.exec("INSERT INTO seen VALUES (?, ?, 0)", room.id, seq);
      // The next wake of the store converts it.
      const { InboxStore } = await import("../../durable/inbox/store");
      const store = new InboxStore(state.storage);
      const tables = sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .toArray()
        .map((r) => r.name);
      return { row: store.room(room.id), gone: store.room("gone"), tables };
    });
    expect(counts.row).toMatchObject({ unread: 1, counted_seq: 3, read_seq: 1 });
    expect(counts.gone).toMatchObject({ unread: 0, member: 0 });
    expect(counts.tables).not.toContain("unread");
    expect(counts.tables).not.toContain("seen");
  });
});

describe("read state: a property over random interleavings", () => {
  const MEMBERS = 3;
  const step = fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("send" as const), user: fc.nat(MEMBERS - 1) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), user: fc.nat(MEMBERS - 1) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("read" as const), user: fc.nat(MEMBERS - 1) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("connect" as const), user: fc.nat(MEMBERS - 1) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("disconnect" as const), user: fc.nat(MEMBERS - 1) }) },
  );

  it("every member's unread equals the count the log gives: others' messages after the cursor, deleted ones not", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 14 }), async (steps) => {
        run++;
        const { room, users } = await groupOf(MEMBERS);
        const log: { seq: number; sender: number; deleted: boolean }[] = [];
        const readSeq = new Array<number>(MEMBERS).fill(0);
        const sockets = new Map<number, TestSocket>();
        let lastSeq = 0;
        for (const [i, s] of steps.entries()) {
          const user = users[s.user]!;
          if (s.kind === "send") {
            const m = await postMessage(room.id, user, `p${run}-${i}`, `step ${i}`);
            log.push({ seq: m.seq, sender: s.user, deleted: false });
            lastSeq = m.seq;
            readSeq[s.user] = m.seq;
          } else if (s.kind === "delete") {
            const mine = log.find((m) => m.sender === s.user && !m.deleted);
            if (!mine) continue;
            await remove(user, room.id, mine.seq);
            mine.deleted = true;
            lastSeq++;
          } else if (s.kind === "read") {
            await read(user, room.id, lastSeq);
            readSeq[s.user] = Math.max(readSeq[s.user]!, lastSeq);
          } else if (s.kind === "connect" && !sockets.has(s.user)) {
            sockets.set(s.user, await inboxSocket(user.accessToken));
          } else if (s.kind === "disconnect") {
            sockets.get(s.user)?.close();
            sockets.delete(s.user);
          }
        }
        for (let u = 0; u < MEMBERS; u++) {
          const expected = log.filter((m) => m.sender !== u && !m.deleted && m.seq > readSeq[u]!).length;
          await unreadBecomes(users[u]!, room.id, expected);
        }
        for (const s of sockets.values()) s.close();
      }),
      { numRuns: 25, endOnFailure: true },
    );
  }, 120_000);
});

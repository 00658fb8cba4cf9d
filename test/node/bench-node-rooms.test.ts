// bench:rooms' Node baselines (bench/lib/node-rooms/): each server, started as bench:rooms
// starts it, acks a send to its sender only and broadcasts it to every client of that room
// (sender included) and to no other room, as the load generator's clients see it; and the
// usage arithmetic (bench/lib/usage.ts) that turns two readings into units per message.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NodeRoomKind, type NodeRoomServer, startNodeRoomServer } from "../../bench/lib/node-rooms/process.ts";
import { socketioRooms, wsRooms } from "../../bench/lib/node-rooms/targets.ts";
import type { Delivery, TargetRooms } from "../../bench/lib/room-targets.ts";
import { type BenchSocket, closeAll } from "../../bench/lib/sockets.ts";
import { sleep } from "../../bench/lib/stats.ts";
import { perMessage, usageDelta } from "../../bench/lib/usage.ts";

interface Client {
  socket: BenchSocket;
  deliveries: Delivery[];
  acks: number;
  errors: number;
}

async function connect(rooms: TargetRooms, room: number, index: number): Promise<Client> {
  const client: Omit<Client, "socket"> = { deliveries: [], acks: 0, errors: 0 };
  const socket = await rooms.connect(
    room,
    index,
    (d) => client.deliveries.push(d),
    () => client.errors++,
    () => client.acks++,
  );
  return Object.assign(client, { socket });
}

async function until(done: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await sleep(20);
}

describe.each<[NodeRoomKind, (url: string) => TargetRooms]>([
  ["ws", wsRooms],
  ["socketio", socketioRooms],
])("the %s room baseline", (kind, roomsAt) => {
  let server: NodeRoomServer;
  beforeAll(async () => {
    server = await startNodeRoomServer(kind);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("binds 127.0.0.1 on a port of its own", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.pid).toBeGreaterThan(0);
  });

  it("acks the sender and broadcasts to its room only, each message once, in order", async () => {
    const rooms = roomsAt(server.url);
    const inRoom = await Promise.all([0, 1, 2].map((i) => connect(rooms, 0, i)));
    const elsewhere = await connect(rooms, 1, 0);
    const [publisher, ...others] = inRoom;
    try {
      const sentAt = Date.now();
      for (let n = 0; n < 3; n++) publisher!.socket.send(rooms.frame(7, n, sentAt));
      await until(() => inRoom.every((c) => c.deliveries.length >= 3) && publisher!.acks >= 3);
      await sleep(200); // a duplicate or a stray delivery would show now
      const expected = [0, 1, 2].map((n) => ({ publisher: 7, n, sentAt }));
      for (const client of inRoom) expect(client.deliveries).toEqual(expected);
      expect(publisher!.acks).toBe(3);
      for (const client of others) expect(client.acks).toBe(0);
      expect(elsewhere.deliveries).toEqual([]);
      expect([...inRoom, elsewhere].map((c) => c.errors)).toEqual([0, 0, 0, 0]);
    } finally {
      await closeAll([...inRoom, elsewhere].map((c) => c.socket));
    }
  });

  it("refuses a frame that is not a send with an error, and stays up", async () => {
    const rooms = roomsAt(server.url);
    const client = await connect(rooms, 0, 0);
    try {
      client.socket.send(kind === "ws" ? '{"type":"send","body":"no id"}' : '42["send",{"body":"no id"}]');
      await until(() => client.errors > 0);
      expect(client.errors).toBe(1);
      client.socket.send(rooms.frame(1, 0, 5));
      await until(() => client.deliveries.length > 0);
      expect(client.deliveries).toEqual([{ publisher: 1, n: 0, sentAt: 5 }]);
    } finally {
      await closeAll([client.socket]);
    }
  });
});

describe("billable units per message", () => {
  const before = { doRowsRead: 10, doRowsWritten: 5, d1RowsRead: 1, d1RowsWritten: 2, doRpcs: 0, queueMessages: 3 };
  const after = {
    doRowsRead: 610,
    doRowsWritten: 405,
    d1RowsRead: 1,
    d1RowsWritten: 102,
    doRpcs: 50,
    queueMessages: 4,
  };

  it("divides the difference of two readings by the messages, DO and D1 rows together and apart", () => {
    const delta = usageDelta(before, after);
    expect(delta).toEqual({
      doRowsRead: 600,
      doRowsWritten: 400,
      d1RowsRead: 0,
      d1RowsWritten: 100,
      doRpcs: 50,
      queueMessages: 1,
    });
    expect(perMessage(delta, 100)).toEqual({
      messages: 100,
      rowsWritten: 5,
      doRowsWritten: 4,
      d1RowsWritten: 1,
      rowsRead: 6,
      doRowsRead: 6,
      d1RowsRead: 0,
      doRpcs: 0.5,
      queueMessages: 0.01,
    });
  });

  it("has no figure per message when nothing was published", () => {
    expect(perMessage(usageDelta(before, after), 0).rowsWritten).toBeNaN();
  });
});

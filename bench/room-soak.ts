// `npm run bench:room-soak`: chat room reliability. Starts its own `npm start` on a free port
// with a fresh temporary state directory, then: 20 clients in one channel, 4 publishers at 20 msg/s in total, 1,000
// random disconnect/reconnect cycles resuming with `?since=`; then kills the server (SIGKILL,
// every process of the server at once) mid-traffic, restarts it on the same state, and lets
// every client resume. SOAK_CYCLES (1000) sets the churn.
// Checks: every acked message reaches every client in seq order, no duplicates, no
// unsignalled gaps, and no acked message is missing from history after the restart.
// Prints a table and JSON; exits 1 when a check fails. Every loop is bounded.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { api, type BenchUser, ensureUser } from "./lib/plaza.ts";
import { describeLoad, emitJson, machine, recordTable } from "./lib/report.ts";
import { type BenchServer, freePort, LOAD_TEST_LIMITS, startNpmStart } from "./lib/server.ts";
import { type BenchSocket, openSocket } from "./lib/sockets.ts";
import { mapLimit, sleep } from "./lib/stats.ts";

const CLIENTS = 20;
const PUBLISHERS = 4;
const TOTAL_RATE = 20; // msg/s over all publishers
const CYCLES = Number(process.env.SOAK_CYCLES ?? 1_000);
const CHURN_LIMIT_MS = 180_000;

interface Message {
  seq: number;
  id: string;
  clientMsgId: string;
}
type Frame =
  | { type: "welcome"; seq: number; epoch: string }
  | { type: "message"; message: Message }
  | { type: "ack"; clientMsgId: string; seq: number; id: string }
  | { type: "resync"; reason: string }
  | { type: "error"; code: string };

interface Client {
  n: number;
  user: BenchUser;
  socket?: BenchSocket;
  lastSeq: number;
  epoch?: string;
  ids: Map<number, string>;
  /** Unacked messages of a publisher, resent with the same clientMsgId after a reconnect. */
  pending: Map<string, string>;
  sentCount: number;
}

const totals = {
  duplicates: 0,
  unsignalledGaps: 0,
  resyncs: 0,
  recoveredFromHistory: 0,
  reconnects: 0,
  errorFrames: 0,
  ackConflicts: 0,
};
const acked = new Map<number, { id: string; clientMsgId: string }>();
let server: BenchServer;

function onFrame(client: Client, text: string): void {
  const frame = JSON.parse(text) as Frame;
  if (frame.type === "welcome") client.epoch = frame.epoch;
  else if (frame.type === "message") {
    const { seq, id } = frame.message;
    if (seq <= client.lastSeq) totals.duplicates++;
    else {
      if (seq > client.lastSeq + 1) totals.unsignalledGaps++;
      client.ids.set(seq, id);
      client.lastSeq = seq;
    }
  } else if (frame.type === "ack") {
    client.pending.delete(frame.clientMsgId);
    const known = acked.get(frame.seq);
    if (known && known.id !== frame.id) totals.ackConflicts++;
    acked.set(frame.seq, { id: frame.id, clientMsgId: frame.clientMsgId });
  } else if (frame.type === "resync") {
    totals.resyncs++;
    void fillFromHistory(client);
  } else if (frame.type === "error") totals.errorFrames++;
}

/** After `resync`: read the missed range over HTTP (a signalled gap), then resume from there. */
async function fillFromHistory(client: Client): Promise<void> {
  for (let page = 0; page < 1_000; page++) {
    const res = await api<{ items: Message[] }>(
      server.url,
      `/v1/rooms/${roomId}/messages?after=${client.lastSeq}&limit=100`,
      { token: client.user.token },
    );
    if (res.status !== 200 || res.data.items.length === 0) break;
    for (const m of res.data.items) {
      client.ids.set(m.seq, m.id);
      client.lastSeq = m.seq;
      totals.recoveredFromHistory++;
    }
  }
  client.socket?.ws.close(1000, "resync done");
}

let roomId = "";

/** (Re)connects a client with `?since=` its last seq, retrying while the server is away (bounded). */
async function connect(client: Client, deadlineMs = 150_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const query = client.epoch ? `?since=${client.lastSeq}&epoch=${client.epoch}` : `?since=${client.lastSeq}`;
    try {
      client.socket = await openSocket(`${server.url}/v1/rooms/${roomId}/ws${query}`, {
        token: client.user.token,
        onMessage: (text) => onFrame(client, text),
        timeoutMs: 10_000,
      });
      totals.reconnects++;
      for (const [clientMsgId, body] of client.pending)
        client.socket.send(JSON.stringify({ type: "send", clientMsgId, body }));
      return;
    } catch {
      await sleep(Math.min(2_000, 100 * 2 ** Math.min(attempt, 4)));
    }
  }
  throw new Error(`client ${client.n} could not reconnect`);
}

const isOpen = (c: Client) => c.socket?.ws.readyState === 1;

async function publishLoop(clients: Client[], stop: { now: boolean }): Promise<void> {
  const publishers = clients.slice(0, PUBLISHERS);
  const gapMs = (1000 * PUBLISHERS) / TOTAL_RATE;
  await Promise.all(
    publishers.map(async (p) => {
      for (let n = 0; !stop.now && n < 1_000_000; n++) {
        await sleep(gapMs);
        if (p.pending.size > 30) continue; // server away: do not pile up
        const clientMsgId = `p${p.n}-${++p.sentCount}`;
        const body = `soak ${clientMsgId}`;
        p.pending.set(clientMsgId, body);
        if (isOpen(p)) p.socket!.send(JSON.stringify({ type: "send", clientMsgId, body }));
      }
    }),
  );
}

/** Keeps every client connected: a closed socket reconnects with since (the churn closes them). */
async function keepConnected(clients: Client[], stop: { now: boolean }): Promise<void> {
  await Promise.all(
    clients.map(async (c) => {
      while (!stop.now) {
        await c.socket?.closed;
        if (stop.now) return;
        await sleep(Math.random() * 200);
        await connect(c);
      }
    }),
  );
}

async function churn(clients: Client[]): Promise<number> {
  const deadline = Date.now() + CHURN_LIMIT_MS;
  let cycles = 0;
  while (cycles < CYCLES && Date.now() < deadline) {
    const c = clients[Math.floor(Math.random() * clients.length)]!;
    if (!isOpen(c)) {
      await sleep(5);
      continue;
    }
    if (Math.random() < 0.5) c.socket!.ws.close(1000, "churn");
    else c.socket!.ws.terminate(); // abrupt: no close handshake
    cycles++;
    await sleep(Math.random() * 100);
  }
  return cycles;
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(100);
  }
  return check();
}

async function main(): Promise<void> {
  const port = await freePort();
  const persistTo = await mkdtemp(path.join(tmpdir(), "plaza-soak-"));
  const setup = { port, persistTo, rateLimits: LOAD_TEST_LIMITS };
  const machineAtStart = machine();
  console.log(`[soak] starting npm start on port ${port} (state: ${persistTo}); ${describeLoad(machineAtStart)}`);
  server = await startNpmStart(setup);
  try {
    const users = await mapLimit(
      Array.from({ length: CLIENTS }, (_, i) => i),
      5,
      (i) => ensureUser(server.url, `soak_u${String(i).padStart(2, "0")}`),
    );
    const created = await api<{ id: string }>(server.url, "/v1/rooms", {
      token: users[0]!.token,
      body: { kind: "channel", name: `soak ${new Date().toISOString()}`, memberIds: users.slice(1).map((u) => u.id) },
    });
    if (created.status !== 201) throw new Error(`create room: ${created.status}`);
    roomId = created.data.id;
    const clients: Client[] = users.map((user, n) => ({
      n,
      user,
      lastSeq: 0,
      ids: new Map(),
      pending: new Map(),
      sentCount: 0,
    }));
    await Promise.all(clients.map((c) => connect(c)));
    const stop = { now: false };
    const publishing = publishLoop(clients, stop);
    const reconnecting = keepConnected(clients, stop);
    const started = Date.now();
    const cycles = await churn(clients);
    const churnSeconds = (Date.now() - started) / 1000;
    console.log(
      `[soak] ${cycles} disconnect/reconnect cycles in ${churnSeconds.toFixed(1)} s; restarting the server mid-traffic`,
    );
    await sleep(2_000);
    const ackedBeforeKill = new Map(acked);
    await server.crash();
    await sleep(1_000);
    server = await startNpmStart(setup);
    console.log("[soak] server is back; letting clients resume");
    await sleep(10_000);
    stop.now = true;
    await publishing;
    await waitFor(() => clients.every((c) => c.pending.size === 0 || !isOpen(c)), 30_000);
    const lastAcked = Math.max(0, ...acked.keys());
    await waitFor(() => clients.every((c) => c.lastSeq >= lastAcked), 30_000);
    for (const c of clients) c.socket?.ws.close(1000, "soak done");
    await Promise.race([reconnecting, sleep(5_000)]);

    // Every acked message, at every client, with the acked id.
    let missingDeliveries = 0;
    let wrongIds = 0;
    for (const c of clients) {
      for (const [seq, { id }] of acked) {
        const got = c.ids.get(seq);
        if (got === undefined) missingDeliveries++;
        else if (got !== id) wrongIds++;
      }
    }
    // History after the restart holds every message acked before the kill.
    const history = new Map<number, string>();
    for (let after = 0, page = 0; page < 10_000; page++) {
      const res = await api<{ items: Message[] }>(server.url, `/v1/rooms/${roomId}/messages?after=${after}&limit=100`, {
        token: users[0]!.token,
      });
      if (res.status !== 200 || res.data.items.length === 0) break;
      for (const m of res.data.items) history.set(m.seq, m.id);
      after = res.data.items.at(-1)!.seq;
    }
    const lostAfterRestart = [...ackedBeforeKill].filter(([seq, { id }]) => history.get(seq) !== id).length;
    const stillPending = clients.reduce((n, c) => n + c.pending.size, 0);
    const figures = {
      clients: CLIENTS,
      cycles,
      churnSeconds: Math.round(churnSeconds),
      ackedMessages: acked.size,
      ackedBeforeKill: ackedBeforeKill.size,
      deliveredPct: Math.round((1 - missingDeliveries / Math.max(1, acked.size * CLIENTS)) * 10_000) / 100,
      missingDeliveries,
      wrongIds,
      ...totals,
      lostAfterRestart,
      unackedAtEnd: stillPending,
    };
    const pass =
      missingDeliveries === 0 &&
      wrongIds === 0 &&
      totals.duplicates === 0 &&
      totals.unsignalledGaps === 0 &&
      lostAfterRestart === 0 &&
      totals.ackConflicts === 0;
    console.log(recordTable(Object.entries(figures).map(([figure, value]) => ({ figure, value }))));
    await emitJson("room-soak", { pass, ...figures, machine: machineAtStart });
    process.exitCode = pass ? 0 : 1;
  } finally {
    await server.stop();
    await rm(persistTo, { recursive: true, force: true });
  }
}

await main();
process.exit(process.exitCode ?? 0);

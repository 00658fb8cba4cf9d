// `npm run bench:im`: instant messaging in big groups, read state (docs/decisions/0071).
// Side by side in one run on one server:
//   - a 1,000-member group with 10 members online (inbox sockets): the room sends its rounds
//     to the 10 listening inboxes directly; the 990 others cost nothing per message;
//   - a 1,000-member group with 100 online: 100 listeners reach IM_FANOUT_QUEUE_THRESHOLD, so
//     rounds go through the FANOUT queue in chunks.
// Per message: send (before the HTTP POST) -> the LAST online member's inbox socket frame
// (client side, same clock), online members that never got it (missed), and the billable
// units (GET /__bench/usage: Durable Object and D1 rows, RPCs, queue messages). Then every
// offline member comes back: their room list (the same Inbox.rooms call GET /v1/rooms makes,
// through /__bench/im/standings, plus a few real users over HTTP) must show the exact unread
// and head. Prints a table and a JSON document. Every loop is bounded in count and time.
//   npm run bench:im     # starts its own npm start (free port, fresh state, BENCH_ROUTES on)
//   PLAZA_URL=... npm run bench:im   # or a running `npm start -- --var BENCH_ROUTES:on`
// Tunables: BENCH_MESSAGES (10), BENCH_GAP_MS (1500).
import { type BenchUser, call, ensureUser } from "./lib/plaza.ts";
import { describeLoad, emitJson, machine, recordTable } from "./lib/report.ts";
import { benchServer, LOAD_TEST_LIMITS } from "./lib/server.ts";
import { type BenchSocket, closeAll, openSocket } from "./lib/sockets.ts";
import { mapLimit, sleep, summarize } from "./lib/stats.ts";

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 10);
const GAP_MS = Number(process.env.BENCH_GAP_MS ?? 1_500);
const DEADLINE_MS = 15_000;
/** Offline members who come back through real HTTP (the rest through the bench route). */
const HTTP_RETURNS = 5;

interface Scenario {
  name: string;
  members: number;
  online: number;
}

const SCENARIOS: Scenario[] = [
  { name: "1000 members, 10 online", members: 1_000, online: 10 },
  { name: "1000 members, 100 online", members: 1_000, online: 100 },
];

interface Usage {
  doRowsRead: number;
  doRowsWritten: number;
  d1RowsRead: number;
  d1RowsWritten: number;
  doRpcs: number;
  queueMessages: number;
}

const post = <T>(base: string, path: string, body: unknown, token?: string) =>
  call<T>(base, path, { body, ...(token ? { token } : {}) });
const usage = (base: string) => call<Usage>(base, "/__bench/usage");
const perMessage = (a: Usage, b: Usage, n: number, key: keyof Usage) => Math.round(((b[key] - a[key]) / n) * 10) / 10;

async function run(base: string, scenario: Scenario, owner: BenchUser, online: BenchUser[], away: BenchUser[]) {
  const group = await post<{ roomId: string; memberIds: string[] }>(base, "/__bench/im/group", {
    ownerId: owner.id,
    memberIds: [...online, ...away].map((u) => u.id),
    synthetic: scenario.members - 1 - online.length - away.length,
  });
  const offlineIds = group.memberIds.filter((id) => id !== owner.id && !online.some((u) => u.id === id));
  // A warm-up message, unmeasured: the first round of a fresh room also starts its objects.
  const startedAt = new Map<string, number>();
  const received = new Map<string, number[]>();
  const sockets: BenchSocket[] = await mapLimit(online, 10, (u) =>
    openSocket(`${base}/v1/inbox/ws`, {
      token: u.token,
      onMessage: (text) => {
        const frame = JSON.parse(text) as { type: string; message?: { roomId: string; clientMsgId: string } };
        if (frame.type !== "message" || frame.message?.roomId !== group.roomId) return;
        const t0 = startedAt.get(frame.message.clientMsgId);
        if (t0 === undefined) return;
        const times = received.get(frame.message.clientMsgId) ?? [];
        times.push(Date.now() - t0);
        received.set(frame.message.clientMsgId, times);
      },
    }),
  );
  await post(base, `/v1/rooms/${group.roomId}/messages`, { clientMsgId: "warmup", body: "warm-up" }, owner.token);
  await sleep(GAP_MS);
  const before = await usage(base);
  for (let i = 0; i < MESSAGES; i++) {
    startedAt.set(`bench-${i}`, Date.now());
    await post(base, `/v1/rooms/${group.roomId}/messages`, { clientMsgId: `bench-${i}`, body: `m ${i}` }, owner.token);
    await sleep(GAP_MS);
  }
  const deadline = Date.now() + DEADLINE_MS;
  const complete = () => [...startedAt.keys()].every((id) => (received.get(id)?.length ?? 0) >= online.length);
  while (!complete() && Date.now() < deadline) await sleep(200);
  const after = await usage(base);
  await closeAll(sockets);
  const lastOnline: number[] = [];
  let missed = 0;
  for (const id of startedAt.keys()) {
    const times = received.get(id) ?? [];
    missed += online.length - times.length;
    if (times.length > 0) lastOnline.push(Math.max(...times));
  }
  // The offline members come back: exact unread (everything after joining, warm-up included) and head.
  const sent = MESSAGES + 1;
  const standings = await post<{ items: ({ unread: number; lastSeq: number } | null)[] }>(
    base,
    "/__bench/im/standings",
    { roomId: group.roomId, userIds: offlineIds },
  );
  const httpReturns = await mapLimit(away.slice(0, HTTP_RETURNS), 5, async (u) => {
    const page = await call<{ items: { id: string; unread: number; lastSeq: number }[] }>(base, "/v1/rooms", {
      token: u.token,
    });
    return page.items.find((r) => r.id === group.roomId) ?? null;
  });
  const returns = [...standings.items, ...httpReturns];
  const exact = returns.filter((r) => r !== null && r.unread === sent && r.lastSeq === sent).length;
  const latency = summarize(lastOnline);
  console.error(`[bench:im] ${scenario.name}: last online member per message (ms): ${lastOnline.join(" ")}`);
  return {
    scenario: scenario.name,
    members: group.memberIds.length,
    online: online.length,
    messages: MESSAGES,
    lastOnlineP50Ms: latency.p50,
    lastOnlineMaxMs: latency.max,
    missed,
    rowsWrittenPerMsg:
      perMessage(before, after, MESSAGES, "doRowsWritten") + perMessage(before, after, MESSAGES, "d1RowsWritten"),
    doRowsWrittenPerMsg: perMessage(before, after, MESSAGES, "doRowsWritten"),
    d1RowsWrittenPerMsg: perMessage(before, after, MESSAGES, "d1RowsWritten"),
    doRowsReadPerMsg: perMessage(before, after, MESSAGES, "doRowsRead"),
    doRpcsPerMsg: perMessage(before, after, MESSAGES, "doRpcs"),
    queueMsgsPerMsg: perMessage(before, after, MESSAGES, "queueMessages"),
    offlineReturned: returns.length,
    offlineExact: exact,
  };
}

const server = await benchServer({ vars: { BENCH_ROUTES: "on" }, rateLimits: LOAD_TEST_LIMITS });
try {
  const base = server.url;
  const machineAtStart = machine();
  console.error(`[bench:im] ${base}; ${describeLoad(machineAtStart)}`);
  const tag = Date.now().toString(36);
  const owner = await ensureUser(base, `imb_${tag}_o`);
  const maxOnline = Math.max(...SCENARIOS.map((s) => s.online));
  const users = await mapLimit(
    Array.from({ length: maxOnline + HTTP_RETURNS * SCENARIOS.length }, (_, i) => i),
    5,
    (i) => ensureUser(base, `imb_${tag}_${i}`),
  );
  const results = [];
  for (const [i, scenario] of SCENARIOS.entries()) {
    console.error(`[bench:im] ${scenario.name}... (${describeLoad()})`);
    const online = users.slice(0, scenario.online);
    // Users who come back over HTTP, their own per scenario (a room-list read makes an inbox listen for a while).
    const away = users.slice(maxOnline + i * HTTP_RETURNS, maxOnline + (i + 1) * HTTP_RETURNS);
    results.push(await run(base, scenario, owner, online, away));
  }
  console.log(recordTable(results));
  await emitJson("im", { url: base, server: server.kind, gapMs: GAP_MS, results, machine: machineAtStart });
} finally {
  await server.stop();
}

// `npm run bench:im`: instant messaging fan-out. Side by side in one run on one server:
//   - a 1,000-member group, direct path (forced): the room calls 1,000 inboxes itself;
//   - a 1,000-member group, queue path (forced): chunks of members through the FANOUT queue;
//   - a 100-member group, direct path.
// For each message: time from the send (before the HTTP POST) to the LAST member's inbox
// applying it (each inbox records when it applied (room, seq); same machine, same clock),
// members that never got it within the deadline (missed), and inbox `deliver` RPCs per
// message. A sample of members also holds inbox sockets: their client-side receive latency.
// Prints a table and a JSON document. Every loop is bounded in count and time.
//   npm run bench:im     # starts its own npm start (free port, fresh state, BENCH_ROUTES on)
//   PLAZA_URL=... npm run bench:im   # or a running `npm start -- --var BENCH_ROUTES:on`
// Tunables: BENCH_MESSAGES (10), BENCH_GAP_MS (2500; 250 for a backlog), BENCH_SAMPLE (20),
// BENCH_WARMUP_MESSAGES (1, sent before measuring).
import { type BenchUser, call, ensureUser } from "./lib/plaza.ts";
import { describeLoad, emitJson, machine, recordTable } from "./lib/report.ts";
import { benchServer, LOAD_TEST_LIMITS } from "./lib/server.ts";
import { closeAll, openSocket, type BenchSocket } from "./lib/sockets.ts";
import { mapLimit, sleep, summarize } from "./lib/stats.ts";

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 10);
// Messages are spaced so each one's fan-out is measured on its own (BENCH_GAP_MS=250 for a backlog).
const GAP_MS = Number(process.env.BENCH_GAP_MS ?? 2_500);
const SAMPLE = Number(process.env.BENCH_SAMPLE ?? 20);
const WARMUP = Number(process.env.BENCH_WARMUP_MESSAGES ?? 1);
const DEADLINE_MS = 15_000;

interface Scenario {
  name: string;
  members: number;
  path: "direct" | "queue";
}

const SCENARIOS: Scenario[] = [
  { name: "1000 direct", members: 1_000, path: "direct" },
  { name: "1000 queue", members: 1_000, path: "queue" },
  { name: "100 direct", members: 100, path: "direct" },
];

const post = <T>(base: string, path: string, body: unknown, token?: string) =>
  call<T>(base, path, { body, ...(token ? { token } : {}) });

async function run(base: string, scenario: Scenario, owner: BenchUser, sample: BenchUser[]) {
  const group = await post<{ roomId: string; memberIds: string[] }>(base, "/__bench/im/group", {
    ownerId: owner.id,
    memberIds: sample.map((u) => u.id),
    synthetic: scenario.members - 1 - sample.length,
  });
  await post(base, "/__bench/im/path", { roomId: group.roomId, path: scenario.path });
  // Unmeasured warm-up messages: the first fan-outs of a fresh server also pay for starting
  // 1,000 inbox objects and the queue consumer.
  for (let i = 0; i < WARMUP; i++) {
    await post(
      base,
      `/v1/rooms/${group.roomId}/messages`,
      { clientMsgId: `warmup-${i}`, body: `warm-up ${i}` },
      owner.token,
    );
    await sleep(GAP_MS);
  }
  const before = await post<{ deliveries: number }>(base, "/__bench/im/received", {
    roomId: group.roomId,
    seqs: [],
    userIds: group.memberIds,
  });
  // Sample members listen on their inbox sockets.
  const sentAt = new Map<number, number>();
  // By clientMsgId: on the direct path a frame can arrive before the POST has answered.
  const startedAt = new Map<string, number>();
  const socketLatency: number[] = [];
  const sockets: BenchSocket[] = await mapLimit(sample, 10, (u) =>
    openSocket(`${base}/v1/inbox/ws`, {
      token: u.token,
      onMessage: (text) => {
        const frame = JSON.parse(text) as { type: string; message?: { roomId: string; clientMsgId: string } };
        if (frame.type !== "message" || frame.message?.roomId !== group.roomId) return;
        const t0 = startedAt.get(frame.message.clientMsgId);
        if (t0 !== undefined) socketLatency.push(Date.now() - t0);
      },
    }),
  );
  const seqs: number[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const t0 = Date.now();
    startedAt.set(`bench-${i}`, t0);
    const message = await post<{ seq: number }>(
      base,
      `/v1/rooms/${group.roomId}/messages`,
      { clientMsgId: `bench-${i}`, body: `message ${i}` },
      owner.token,
    );
    sentAt.set(message.seq, t0);
    seqs.push(message.seq);
    await sleep(GAP_MS);
  }
  // Wait (bounded) until every member applied the last message, then read every (member, seq).
  const deadline = Date.now() + DEADLINE_MS;
  let report: { appliedAt: (number | null)[][]; deliveries: number; fanout: Record<string, number | string | null> };
  for (;;) {
    report = await post(base, "/__bench/im/received", { roomId: group.roomId, seqs, userIds: group.memberIds });
    const lastDone = report.appliedAt.every((row) => row[row.length - 1] !== null);
    if (lastDone || Date.now() > deadline) break;
    await sleep(500);
  }
  await closeAll(sockets);
  const lastMember: number[] = [];
  let missed = 0;
  seqs.forEach((seq, i) => {
    const times = report.appliedAt.map((row) => row[i] ?? null);
    missed += times.filter((t) => t === null).length;
    const applied = times.filter((t): t is number => t !== null);
    if (applied.length > 0) lastMember.push(Math.max(...applied) - sentAt.get(seq)!);
  });
  const latency = summarize(lastMember);
  console.error(`[bench:im] ${scenario.name}: last member per message (ms): ${lastMember.join(" ")}`);
  const rpcs = (report.deliveries - before.deliveries) / seqs.length;
  return {
    scenario: scenario.name,
    members: group.memberIds.length,
    path: scenario.path,
    messages: seqs.length,
    lastMemberP50Ms: latency.p50,
    lastMemberP99Ms: latency.p99,
    lastMemberMaxMs: latency.max,
    missedMembers: missed,
    inboxRpcsPerMessage: Math.round(rpcs * 10) / 10,
    sampleSocketP50Ms: summarize(socketLatency).p50,
    sampleSocketP99Ms: summarize(socketLatency).p99,
    queueMessages: Number(report.fanout.queueMessages ?? 0),
  };
}

const server = await benchServer({ vars: { BENCH_ROUTES: "on" }, rateLimits: LOAD_TEST_LIMITS });
try {
  const base = server.url;
  const machineAtStart = machine();
  console.error(`[bench:im] ${base}; ${describeLoad(machineAtStart)}`);
  const tag = Date.now().toString(36);
  const owner = await ensureUser(base, `imb_${tag}_o`);
  const sample = await mapLimit(
    Array.from({ length: SAMPLE }, (_, i) => i),
    5,
    (i) => ensureUser(base, `imb_${tag}_${i}`),
  );
  const results = [];
  for (const scenario of SCENARIOS) {
    console.error(`[bench:im] ${scenario.name}... (${describeLoad()})`);
    results.push(await run(base, scenario, owner, sample));
  }
  console.log(recordTable(results));
  await emitJson("im", {
    url: base,
    server: server.kind,
    messagesPerScenario: MESSAGES,
    gapMs: GAP_MS,
    results,
    machine: machineAtStart,
  });
} finally {
  await server.stop();
}

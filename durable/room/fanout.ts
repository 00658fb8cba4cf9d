// IM fan-out: once log entries are durable, the room hands them to the inboxes that listen
// (a member with an inbox socket open, a recent room-list read, or push subscriptions;
// docs/decisions/0071). Everyone else costs nothing per message: their inbox asks the room
// where they stand when they come back. A round carries every entry after `fromSeq`, so an
// inbox that missed one (an eviction, a lost or reordered queue message) sees the gap and asks
// the room. Few listeners are called directly (bounded concurrency); IM_FANOUT_QUEUE_THRESHOLD
// or more go through the FANOUT queue in chunks. A busy room starts a round at most every
// IM_FANOUT_INTERVAL_MS, so a stream of messages costs a few rounds a second, each carrying
// many entries: never one call per message per member. `fanoutSeq` advances only once every
// listener (or the queue) has the round; inboxes skip what they have counted already.
import type { Logger } from "../../src/lib/log";
import type { DeliveryRoom, FanoutJob } from "../../src/protocol/inbox";
import { countUsage } from "../../src/lib/usage";
import { deliverToInboxes } from "../inbox/deliver";
import type { ImSettings } from "../../src/config";
import { entrySeq, type RoomEntry } from "../../src/protocol/protocol";
import { liveSockets, readAttachment } from "./sockets";
import type { Listener, RoomStore } from "./storage";

/** Which path a room's fan-out takes: by member count, or forced (benchmarks and tests). */
export type FanoutPath = "auto" | "direct" | "queue";

const ENTRIES_PER_ROUND = 200;
/** Encoded entries per round (a queue message is at most 128 KB, a sendBatch 256 KB). */
const ENTRY_BYTES_PER_ROUND = 48_000;
const BATCH_BYTES = 200_000;
const MAX_ROUNDS = 20;
const DIRECT_ATTEMPTS = 3;
const PATH_KEY = "im:fanoutPath";
const encoder = new TextEncoder();

/** Session ids connected to the room, by user id. */
type Watching = Map<string, string[]>;

/** Counts kept for tests and benchmarks (since the object started). */
export interface FanoutStats {
  rounds: number;
  directRpcs: number;
  queueMessages: number;
  lastPath: "direct" | "queue" | null;
  /** Rounds that found no listener (nothing sent, nothing written). */
  skipped: number;
  /** Inboxes that listened in the last round. */
  lastListeners: number;
}

export class RoomFanout {
  private running: Promise<void> | undefined;
  private path: FanoutPath | undefined;
  /** When the last round started (epoch ms). */
  private lastRoundAt = 0;
  readonly stats: FanoutStats = {
    rounds: 0,
    directRpcs: 0,
    queueMessages: 0,
    lastPath: null,
    skipped: 0,
    lastListeners: 0,
  };

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly store: RoomStore,
    private readonly settings: ImSettings,
    private readonly log: Logger,
    private readonly onFailure: () => Promise<void>,
  ) {}

  /** True while some durable entry has not reached the listening inboxes yet. */
  pending(): boolean {
    return this.store.state.fanoutSeq < this.store.state.lastSeq;
  }

  /** Starts a fan-out in the background (entries that arrive meanwhile join its next round). */
  kick(): void {
    this.run().catch((err: unknown) =>
      this.log.error("im fan-out failed", { roomId: this.store.state.roomId, error: String(err) }),
    );
  }

  /** Fans out every pending entry; one run at a time. */
  run(): Promise<void> {
    this.running ??= this.runRounds().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Forces the path (benchmarks and tests); "auto" decides by member count. */
  async setPath(path: FanoutPath): Promise<void> {
    this.path = path;
    await this.ctx.storage.put(PATH_KEY, path);
  }

  private async runRounds(): Promise<void> {
    this.path ??= (await this.ctx.storage.get<FanoutPath>(PATH_KEY)) ?? "auto";
    // A round that had to leave entries behind (a backlog) is followed at once; otherwise the
    // next round waits for the interval, so a burst travels together.
    let backlog = false;
    for (let round = 0; round < MAX_ROUNDS && this.pending(); round++) {
      const wait = this.lastRoundAt + this.settings.fanoutIntervalMs - Date.now();
      if (wait > 0 && !backlog) await new Promise((resolve) => setTimeout(resolve, wait));
      this.lastRoundAt = Date.now();
      if (this.store.state.roomId === null) return;
      const listeners = this.store.listeners();
      if (listeners.length === 0) {
        // Nobody to tell: the entries wait in the log, where a returning inbox counts them.
        this.store.skipFanout();
        this.stats.skipped++;
        return;
      }
      const fromSeq = this.store.state.fanoutSeq;
      const { entries, full } = this.nextEntries();
      const last = entries.at(-1);
      if (!last) return;
      const ok = await this.deliver(fromSeq, entries, listeners);
      if (!ok) {
        await this.onFailure();
        return;
      }
      this.store.markFannedOut(entrySeq(last));
      this.stats.rounds++;
      backlog = full;
    }
  }

  /** The next round's entries; `full` when a limit left pending entries behind. */
  private nextEntries(): { entries: RoomEntry[]; full: boolean } {
    const entries: RoomEntry[] = [];
    let bytes = 0;
    const candidates = this.store.entriesAfter(this.store.state.fanoutSeq, ENTRIES_PER_ROUND);
    for (const entry of candidates) {
      const size = encoder.encode(JSON.stringify(entry)).byteLength;
      if (entries.length > 0 && bytes + size > ENTRY_BYTES_PER_ROUND) return { entries, full: true };
      entries.push(entry);
      bytes += size;
    }
    return { entries, full: candidates.length === ENTRIES_PER_ROUND };
  }

  private async deliver(fromSeq: number, entries: RoomEntry[], listeners: Listener[]): Promise<boolean> {
    const watching = this.watchingSessions();
    const room: DeliveryRoom = {
      id: this.store.state.roomId ?? "",
      kind: this.store.state.kind ?? "group",
      memberCount: this.store.memberCount(),
    };
    const useQueue =
      this.path === "queue" || (this.path !== "direct" && listeners.length >= this.settings.queueThreshold);
    this.stats.lastPath = useQueue ? "queue" : "direct";
    this.stats.lastListeners = listeners.length;
    return useQueue
      ? this.enqueue(room, fromSeq, entries, listeners, watching)
      : this.callInboxes(room, fromSeq, entries, listeners, watching);
  }

  /**
   * Direct path: one `deliver` RPC per listener, retried for those that failed. An inbox that
   * answers that it stopped listening gets no more rounds until it attaches again.
   */
  private async callInboxes(
    room: DeliveryRoom,
    fromSeq: number,
    entries: RoomEntry[],
    listeners: Listener[],
    watching: Watching,
  ): Promise<boolean> {
    let remaining = listeners;
    for (let attempt = 0; attempt < DIRECT_ATTEMPTS && remaining.length > 0; attempt++) {
      const jobs = remaining.map(({ userId, since }) => ({
        userId,
        since,
        delivery: { room, fromSeq, entries, watching: watching.get(userId) ?? [] },
      }));
      this.stats.directRpcs += jobs.length;
      const outcome = await deliverToInboxes(this.env.INBOX, jobs, this.settings.fanoutConcurrency);
      for (const stopped of outcome.stopped) this.store.inboxStopped(stopped.userId, stopped.since);
      const failed = new Set(outcome.failed);
      remaining = remaining.filter((l) => failed.has(l.userId));
    }
    if (remaining.length > 0)
      this.log.warn("im fan-out: inboxes unreachable; retrying later", { roomId: room.id, members: remaining.length });
    return remaining.length === 0;
  }

  /** Queue path: chunks of listeners, sent with `sendBatch` within the batch limits. */
  private async enqueue(
    room: DeliveryRoom,
    fromSeq: number,
    entries: RoomEntry[],
    listeners: Listener[],
    watching: Watching,
  ): Promise<boolean> {
    const jobs: FanoutJob[] = [];
    for (let i = 0; i < listeners.length; i += this.settings.fanoutChunk) {
      const chunk = listeners.slice(i, i + this.settings.fanoutChunk);
      jobs.push({
        type: "im.fanout",
        room,
        fromSeq,
        entries,
        members: chunk.map(({ userId, since }) => ({ userId, since, watching: watching.get(userId) ?? [] })),
      });
    }
    try {
      let batch: MessageSendRequest<FanoutJob>[] = [];
      let bytes = 0;
      for (const job of jobs) {
        const size = encoder.encode(JSON.stringify(job)).byteLength;
        if (batch.length > 0 && (batch.length >= 100 || bytes + size > BATCH_BYTES)) {
          await this.env.FANOUT.sendBatch(batch);
          countUsage("queueMessages", batch.length);
          batch = [];
          bytes = 0;
        }
        batch.push({ body: job, contentType: "json" });
        bytes += size;
      }
      if (batch.length > 0) {
        await this.env.FANOUT.sendBatch(batch);
        countUsage("queueMessages", batch.length);
      }
      this.stats.queueMessages += jobs.length;
      return true;
    } catch (err) {
      this.log.warn("im fan-out: queue send failed; retrying later", { roomId: room.id, error: String(err) });
      return false;
    }
  }

  /** The sessions connected to this room now, by user: their inbox sockets skip these entries. */
  private watchingSessions(): Watching {
    const out: Watching = new Map();
    for (const ws of liveSockets(this.ctx)) {
      const a = readAttachment(ws);
      if (!a?.sid) continue;
      const sids = out.get(a.userId);
      if (sids) sids.push(a.sid);
      else out.set(a.userId, [a.sid]);
    }
    return out;
  }
}

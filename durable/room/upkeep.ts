// The Room object's background work, all driven by its one alarm: flushing durable messages
// and read cursors to the D1 archive through the EVENTS queue, trimming messages past the
// retention window (only once D1 holds them), and closing sockets that went silent.
import { countUsage } from "../../src/lib/usage";
import { CloseCode } from "../../src/protocol/identity";
import type { Logger } from "../../src/lib/log";
import type { RoomLimits } from "../../src/config";
import { packArchive } from "./archive";
import { closeSocket } from "../sockets/connection";
import { readAttachment } from "./sockets";
import type { RoomStore } from "./storage";

/** Archive flush rounds per call; more work waits for the next alarm. */
const MAX_FLUSH_ROUNDS = 10;
/** How soon to look again when old messages could not be trimmed yet. */
const TRIM_RETRY_MS = 60_000;
/** How soon to retry an IM fan-out that could not reach every inbox. */
export const FANOUT_RETRY_MS = 1_000;

/** The room's IM fan-out, as far as upkeep is concerned (durable/room/fanout.ts). */
export interface PendingFanout {
  pending(): boolean;
  run(): Promise<void>;
}

export class RoomUpkeep {
  private flushing: Promise<void> | undefined;
  /** The alarm time we know is set (null: none; undefined: unknown after wake-up). */
  private alarmAt: number | null | undefined;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly store: RoomStore,
    private readonly limits: RoomLimits,
    private readonly log: Logger,
    private readonly fanout: PendingFanout,
  ) {}

  /** Called after a message is stored: flush now if a batch is full, else within the delay. */
  async messageStored(now: number): Promise<void> {
    const { lastSeq, archivedSeq } = this.store.state;
    if (lastSeq - archivedSeq >= this.limits.archiveBatch) await this.flush();
    else await this.alarmBy(now + this.limits.archiveDelayMs);
  }

  /** Makes sure the alarm fires by `at` (it may fire earlier). */
  async alarmBy(at: number): Promise<void> {
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  /** The alarm: every job, each failure contained, then the next wake-up. */
  async run(now: number, onRetired: (ws: WebSocket) => void): Promise<void> {
    this.alarmAt = null; // the alarm that woke us is spent
    await this.contained("im fan-out", () => this.fanout.run());
    await this.contained("archive flush", () => this.flush());
    this.sweepIdle(now, onRetired);
    await this.contained("trim", () => this.trim(now));
    await this.scheduleNext(now);
  }

  /**
   * Hands every unarchived message and changed read cursor to the EVENTS queue. The archived
   * seq advances only after the queue accepted the batch, so an eviction or a failed send
   * loses nothing: the next flush sends it again (the consumer is idempotent).
   */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    const roomId = this.store.state.roomId;
    if (roomId === null) return;
    for (let round = 0; round < MAX_FLUSH_ROUNDS; round++) {
      const batch = this.store.archiveRowsAfter(this.store.state.archivedSeq, this.limits.archiveBatch);
      const last = batch.at(-1);
      if (!last) break;
      for (const event of packArchive(roomId, batch)) {
        await this.env.EVENTS.send(event, { contentType: "json" });
        countUsage("queueMessages");
      }
      this.store.markArchived(last.seq);
    }
    const cursors = this.store.unsyncedReads(100);
    if (cursors.length > 0) {
      await this.env.EVENTS.send({ type: "room.read", roomId, cursors }, { contentType: "json" });
      countUsage("queueMessages");
      this.store.markReadsSynced(cursors);
    }
  }

  /**
   * Deletes messages older than the retention window, but only those D1 already holds:
   * the count of archived rows in the range must match, else the range is archived again.
   */
  async trim(now: number): Promise<number> {
    const { roomId, floorSeq } = this.store.state;
    const through = this.store.trimmableThrough(now - this.limits.retentionMs);
    if (roomId === null || through <= floorSeq) return 0;
    const row = await this.env.DB.prepare(
      "SELECT COUNT(*) AS n FROM messages WHERE room_id = ? AND seq > ? AND seq <= ?",
    )
      .bind(roomId, floorSeq, through)
      .first<{ n: number }>();
    if ((row?.n ?? 0) !== through - floorSeq) {
      this.log.warn("archive incomplete; archiving the range again before trimming", { roomId, floorSeq, through });
      this.store.rewindArchive(floorSeq);
      return 0;
    }
    return this.store.trimThrough(through);
  }

  /** Closes sockets with no ping and no frame within the idle timeout. */
  sweepIdle(now: number, onRetired: (ws: WebSocket) => void): void {
    for (const ws of this.ctx.getWebSockets()) {
      const attachment = readAttachment(ws);
      if (!attachment || attachment.gone) continue;
      const pingedAt = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
      if (now - Math.max(attachment.seenAt, pingedAt) <= this.limits.idleTimeoutMs) continue;
      closeSocket(ws, CloseCode.idleTimeout, "idle timeout");
      onRetired(ws);
    }
  }

  /** Sets the alarm for the earliest pending job, or clears it when there is none. */
  async scheduleNext(now: number): Promise<void> {
    const { lastSeq, archivedSeq } = this.store.state;
    const times: number[] = [];
    if (lastSeq > archivedSeq || this.store.unsyncedReads(1).length > 0) times.push(now + this.limits.archiveDelayMs);
    if (this.fanout.pending()) times.push(now + FANOUT_RETRY_MS);
    if (this.ctx.getWebSockets().length > 0) times.push(now + Math.ceil(this.limits.idleTimeoutMs / 2));
    const oldest = this.store.oldestCreatedAt();
    if (oldest !== undefined) times.push(Math.max(oldest + this.limits.retentionMs, now + TRIM_RETRY_MS));
    const next = times.length > 0 ? Math.min(...times) : null;
    if (next === null) {
      await this.ctx.storage.deleteAlarm();
      this.alarmAt = null;
      return;
    }
    this.alarmAt = next;
    await this.ctx.storage.setAlarm(next);
  }

  private async contained(job: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.log.error("room upkeep failed", { job, roomId: this.store.state.roomId, error: String(err) });
    }
  }
}

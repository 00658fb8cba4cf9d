// Group commit for a room: sends that arrive close together are stored in one transaction,
// so they share one durable commit, and only then acked and broadcast (in seq order). When
// the room is idle a send commits on the next tick; while it is busy (a commit within the
// last `windowMs`) sends wait up to `windowMs`, so one commit carries many messages.
import type { Message } from "../../src/protocol/protocol";
import type { NewMessage } from "./storage";

/** A send waiting for the next commit; `replyTo` is the socket to ack (none for HTTP). */
export interface PendingSend extends NewMessage {
  replyTo: WebSocket | undefined;
  resolve(result: { message: Message; created: boolean }): void;
  reject(err: unknown): void;
}

/** Largest group stored in one transaction. */
const MAX_GROUP = 500;

export class GroupCommit {
  private pending: PendingSend[] = [];
  private scheduled = false;
  private lastRunAt = 0;

  /** `commit` stores a group synchronously and sends its frames; it runs on a later tick. */
  constructor(
    private readonly commit: (group: PendingSend[]) => void,
    private readonly windowMs: number,
  ) {}

  /** Queues a send; resolves once it is stored (or found already stored). */
  enqueue(send: Omit<PendingSend, "resolve" | "reject">): Promise<{ message: Message; created: boolean }> {
    return new Promise((resolve, reject) => {
      this.pending.push({ ...send, resolve, reject });
      if (this.pending.length >= MAX_GROUP) this.run();
      else if (!this.scheduled) {
        this.scheduled = true;
        const busy = Date.now() - this.lastRunAt < this.windowMs;
        setTimeout(() => this.run(), busy ? this.windowMs : 0);
      }
    });
  }

  private run(): void {
    this.scheduled = false;
    this.lastRunAt = Date.now();
    const group = this.pending;
    this.pending = [];
    if (group.length === 0) return;
    try {
      this.commit(group);
    } catch (err) {
      for (const send of group) send.reject(err);
    }
  }
}

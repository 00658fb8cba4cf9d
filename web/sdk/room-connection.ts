// A live room: log entries (messages, edits, deletes) arrive once each and in seq order;
// sends survive reconnects and token refreshes (an outbox keyed by clientMsgId, resent until
// acked: the server makes a resend return the original); reconnects resume with
// `?since=<last seq>&epoch=<epoch>`; `resync` is surfaced with the seq live traffic goes on from.
import { Emitter } from "./emitter";
import type { Message, ReactionFrame, RoomChangeFrame, RoomClientFrame, RoomServerFrame } from "./frames";
import { type ConnectionState, LiveSocket } from "./live-socket";
import type { Session } from "./session";

/** ROOM_MAX_BODY_CHARS' default; the server counts UTF-16 units. */
export const MAX_BODY_CHARS = 4_000;
const TYPING_EVERY_MS = 2_000;
/** Sends per second at most: under the room's rate (ROOM_SEND_RATE_PER_SECOND, 20), so a long outbox drains without being refused. */
const SENDS_PER_SECOND = 15;
const RESEND_AFTER_REFUSAL_MS = 1_500;

export interface PendingMessage {
  clientMsgId: string;
  body: string;
  /** When send() was called (ms). */
  queuedAt: number;
}

type RoomHandlers = {
  /** Once per connection: where the room is, who is online, my read cursor. */
  welcome: (info: { seq: number; readSeq: number; online: string[] }) => void;
  /** A new message, in seq order, never twice. */
  message: (message: Message) => void;
  /** An edit or delete of an earlier message (its new state), in seq order. */
  change: (change: RoomChangeFrame) => void;
  /** Someone added or removed a reaction (`count`: the emoji's new total); not a log entry, so no seq of its own. */
  reaction: (reaction: ReactionFrame) => void;
  /** The server stored one of my messages. */
  ack: (ack: { clientMsgId: string; seq: number; id: string }) => void;
  /** The outbox changed (queued, acked, failed). */
  outbox: (pending: readonly PendingMessage[]) => void;
  presence: (online: ReadonlySet<string>) => void;
  typing: (userId: string) => void;
  /**
   * The room cannot replay from our position (`reason` from API.md): reload the latest
   * history page; live entries go on after `seq` (entries above it may also be in the page:
   * dedupe by seq).
   */
  resync: (info: { reason: string; seq: number }) => void;
  error: (error: { code: string; detail: string }) => void;
  state: (state: ConnectionState) => void;
  /** The server ended the socket for good (logout 4001, left or removed 4003). */
  ended: (code: number, reason: string) => void;
};

export interface RoomConnectionOptions {
  /** The socket URL of the room (from PlazaClient). */
  url: string;
  roomId: string;
  /** Me: my own messages arriving in a replay settle their outbox entries. */
  userId: string;
  session: Session;
  /** The last seq the caller already has (e.g. from history): replay starts after it. */
  since?: number;
  WebSocket?: typeof WebSocket;
}

/** One room's live connection. Call `close()` when done. */
export class RoomConnection extends Emitter<RoomHandlers> {
  private lastSeqSeen: number | undefined;
  private epoch: string | undefined;
  private welcomeSeq = 0;
  private readonly outboxMap = new Map<string, PendingMessage>();
  private readonly online = new Set<string>();
  private readonly socket: LiveSocket;
  private lastTypingAt = 0;
  /** clientMsgIds sent on the current connection (resent after every reconnect until acked). */
  private readonly sentHere = new Set<string>();
  private readonly recentSends: number[] = [];
  /** After a rate_limited refusal, no send before this time (ms). */
  private pausedUntil = 0;
  private pumpTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: RoomConnectionOptions) {
    super();
    this.lastSeqSeen = options.since;
    this.socket = new LiveSocket({
      session: options.session,
      ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
      url: () => {
        const url = new URL(options.url);
        if (this.lastSeqSeen !== undefined) url.searchParams.set("since", String(this.lastSeqSeen));
        if (this.lastSeqSeen !== undefined && this.epoch !== undefined) url.searchParams.set("epoch", this.epoch);
        return url.toString();
      },
      onOpen: () => {
        this.sentHere.clear();
        this.pump();
      },
      onFrame: (frame) => this.handle(frame as RoomServerFrame),
      onState: (state) => this.emit("state", state),
      onEnded: (code, reason) => this.emit("ended", code, reason),
    });
  }

  get roomId(): string {
    return this.options.roomId;
  }

  get state(): ConnectionState {
    return this.socket.state;
  }

  /** The highest log seq delivered so far (messages, edits and deletes). */
  get lastSeq(): number | undefined {
    return this.lastSeqSeen;
  }

  /** Messages sent but not yet stored by the server, in send order. */
  get pending(): readonly PendingMessage[] {
    return [...this.outboxMap.values()];
  }

  /**
   * Queues a message: sent now if connected, and again after every reconnect until the
   * server acks it (a resend never makes a second message). Returns its clientMsgId.
   */
  send(body: string, clientMsgId: string = crypto.randomUUID()): string {
    if (body.trim().length === 0) throw new RangeError("A message needs some text.");
    // The server counts characters as Unicode code points (an emoji is one).
    if (body.length > MAX_BODY_CHARS && [...body].length > MAX_BODY_CHARS)
      throw new RangeError(`A message is at most ${MAX_BODY_CHARS} characters.`);
    this.outboxMap.set(clientMsgId, { clientMsgId, body, queuedAt: Date.now() });
    this.emit("outbox", this.pending);
    this.pump();
    return clientMsgId;
  }

  /** Tells the room I am typing (at most every 2 s, like the server's throttle). */
  typing(): void {
    const now = Date.now();
    if (now - this.lastTypingAt < TYPING_EVERY_MS) return;
    if (this.sendFrame({ type: "typing" })) this.lastTypingAt = now;
  }

  /** Moves my read cursor to `seq` (the inbox then tells all my devices). False when not connected. */
  markRead(seq: number): boolean {
    return this.sendFrame({ type: "read", seq });
  }

  /** Edits one of my messages (the change arrives as a `change` event). False when not connected. */
  edit(seq: number, body: string): boolean {
    return this.sendFrame({ type: "edit", seq, body });
  }

  /** Deletes one of my messages. False when not connected. */
  delete(seq: number): boolean {
    return this.sendFrame({ type: "delete", seq });
  }

  /**
   * Adds (`op` "add") or removes my reaction over the socket; the change arrives as a
   * `reaction` event, a refusal as an `error` event. False when not connected (use
   * PlazaClient.react over HTTP to get the answer directly).
   */
  react(seq: number, emoji: string, op: "add" | "remove" = "add"): boolean {
    return this.sendFrame({ type: "react", seq, emoji, op });
  }

  /** Closes the connection for good (unsent messages are dropped). */
  close(): void {
    clearTimeout(this.pumpTimer);
    this.socket.close();
  }

  private sendFrame(frame: RoomClientFrame): boolean {
    return this.socket.send(frame);
  }

  /**
   * Sends what the outbox holds and this connection has not carried yet, in send order (so
   * seqs follow the order of send() calls), paced below the room's rate limit.
   */
  private pump(delayMs = 0): void {
    if (delayMs > 0) {
      if (this.pumpTimer === undefined)
        this.pumpTimer = setTimeout(() => {
          this.pumpTimer = undefined;
          this.pump();
        }, delayMs);
      return;
    }
    const now = Date.now();
    if (now < this.pausedUntil) return this.pump(this.pausedUntil - now);
    while (this.recentSends.length > 0 && now - this.recentSends[0]! >= 1_000) this.recentSends.shift();
    for (const { clientMsgId, body } of this.outboxMap.values()) {
      if (this.sentHere.has(clientMsgId)) continue;
      if (this.recentSends.length >= SENDS_PER_SECOND) return this.pump(1_000 - (now - this.recentSends[0]!));
      if (!this.sendFrame({ type: "send", clientMsgId, body })) return; // not connected: onOpen pumps again
      this.sentHere.add(clientMsgId);
      this.recentSends.push(now);
    }
  }

  private settle(clientMsgId: string): void {
    if (this.outboxMap.delete(clientMsgId)) this.emit("outbox", this.pending);
  }

  /** Applies one log entry if it is the next one; returns false for a duplicate or a gap. */
  private advance(seq: number): boolean {
    if (this.lastSeqSeen !== undefined && seq <= this.lastSeqSeen) return false; // already delivered
    if (this.lastSeqSeen !== undefined && seq > this.lastSeqSeen + 1) {
      // The server replays without gaps, so this connection's position is unusable: resume.
      this.socket.reconnect();
      return false;
    }
    this.lastSeqSeen = seq;
    return true;
  }

  private handle(frame: RoomServerFrame): void {
    switch (frame.type) {
      case "welcome":
        this.epoch = frame.epoch;
        this.welcomeSeq = frame.seq;
        // Without a position, live traffic starts after the room's latest entry.
        this.lastSeqSeen ??= frame.seq;
        this.online.clear();
        for (const id of frame.online) this.online.add(id);
        this.emit("welcome", { seq: frame.seq, readSeq: frame.readSeq, online: [...frame.online] });
        this.emit("presence", this.online);
        return;
      case "message":
        if (!this.advance(frame.message.seq)) return;
        if (frame.message.sender.id === this.options.userId) this.settle(frame.message.clientMsgId);
        this.emit("message", frame.message);
        return;
      case "edited":
      case "deleted":
        if (this.advance(frame.seq)) this.emit("change", frame);
        return;
      case "reaction":
        this.emit("reaction", frame);
        return;
      case "ack":
        this.settle(frame.clientMsgId);
        this.emit("ack", { clientMsgId: frame.clientMsgId, seq: frame.seq, id: frame.id });
        return;
      case "presence":
        if (frame.status === "online") this.online.add(frame.userId);
        else this.online.delete(frame.userId);
        this.emit("presence", this.online);
        return;
      case "typing":
        this.emit("typing", frame.userId);
        return;
      case "resync":
        // Live entries on this socket follow the welcome's seq without a gap.
        this.lastSeqSeen = this.welcomeSeq;
        this.emit("resync", { reason: frame.reason, seq: this.welcomeSeq });
        return;
      case "error":
        if (frame.code === "rate_limited") this.refused(frame.clientMsgId, frame.retryAfter);
        if (frame.code === "blocked") this.failOutbox();
        this.emit("error", { code: frame.code, detail: frame.detail });
        return;
    }
  }

  /**
   * The server's budget refused a frame: wait as long as it says, then send again from the
   * refused message on, in send order (resends are idempotent; what was stored keeps its seq).
   * An older server names no message: then everything unacked is sent again.
   */
  private refused(clientMsgId: string | undefined, retryAfter: number | undefined): void {
    const ids = [...this.outboxMap.keys()];
    const from = clientMsgId === undefined ? 0 : ids.indexOf(clientMsgId);
    if (from >= 0) for (const id of ids.slice(from)) this.sentHere.delete(id);
    // Nothing goes out before the wait is over, so the resends start inside a fresh budget.
    const waitMs = retryAfter !== undefined ? retryAfter * 1_000 : RESEND_AFTER_REFUSAL_MS;
    clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
    this.pausedUntil = Date.now() + waitMs;
    this.pump(waitMs);
  }

  /** A refusal no resend can fix (blocked): the outbox is dropped and the caller told. */
  private failOutbox(): void {
    if (this.outboxMap.size === 0) return;
    this.outboxMap.clear();
    this.emit("outbox", this.pending);
  }
}

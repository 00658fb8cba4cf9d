// Room: one Durable Object per chat room (the seed's online user pool, room member map and
// broadcast queue in one single-threaded owner).
//
// Responsibilities:
// - accept sockets the Worker has authenticated and checked (hibernation API; identity in a
//   small attachment; ping/pong answered by the runtime without waking the room);
// - give every message the room's next gap-free `seq`, store it, and only then ack the sender
//   and broadcast it (the output gate holds both frames until the write is durable);
// - dedupe resends by sender + `clientMsgId`; replay `?since=` in order before live traffic;
// - presence, typing, read cursors; limits on frame size, body length and send rate;
// - keep a member set of its own, synced by the Worker, and check it on every frame;
// - archive messages to D1 through the EVENTS queue and trim its own copy after retention;
// - edits and deletes as log entries of their own; blocked direct messages; handing every
//   durable entry to its members' inboxes (durable/room/fanout.ts);
// - reactions beside the log: no seq, no inbox, current on history and resume (durable/room/reactions.ts).
import { DurableObject } from "cloudflare:workers";
import type { Logger } from "../src/lib/log";
import { newId } from "../src/lib/ids";
import { CloseCode, readIdentity, ROOM_ID_HEADER } from "../src/protocol/identity";
import type { MemberSummary, ReadStanding } from "../src/protocol/inbox";
import {
  errorFrame,
  PING_FRAME,
  PONG_FRAME,
  type ReactionFrame,
  RoomClientFrameSchema,
  type RoomEntry,
} from "../src/protocol/protocol";
import { loadConfig, type RoomLimits } from "../src/config";
import { applyChange, type ChangeRequest, type ChangeResult } from "./room/changes";
import { type FanoutPath, type FanoutStats, RoomFanout } from "./room/fanout";
import { welcomeAndReplay } from "./room/replay";
import { GroupCommit, type PendingSend } from "./room/group-commit";
import { TypingThrottle } from "./room/limits";
import { closeAllSockets, trackSocketOwner, untrackIfIdle } from "./socket-owners";
import { type Attachment, isOnlineElsewhere, onlineUsers, readAttachment } from "./room/sockets";
import {
  acceptSocket,
  answerClose,
  broadcast,
  closeSocket,
  liveSockets,
  sendFrame,
  sessionTag,
  userTag,
} from "./sockets/connection";
import { refuseFlood } from "./sockets/flood";
import { decodeFrame } from "./sockets/frames";
import { objectLogger } from "./sockets/log";
import { Budgets } from "./sockets/rate";
import { refuseBody } from "./room/body";
import type { PostResult, RecentMessages, RoomKind, RoomMember, RoomRefusal, Sender } from "../src/protocol/rooms";
import { RoomStore } from "./room/storage";
import { mutedRefusal, removeByModerator, RoomMutes } from "./room/sanctions";
import { type ReactionRequest, type ReactionResult, RoomReactions } from "./room/reactions";
import { FANOUT_RETRY_MS, RoomUpkeep } from "./room/upkeep";

export class Room extends DurableObject<Env> {
  private readonly store: RoomStore;
  private readonly limits: RoomLimits;
  private readonly upkeep: RoomUpkeep;
  private readonly log: Logger;
  /**
   * Frame and send budgets per user, not per socket: a user's sockets and HTTP sends share
   * one, and a socket closed for flooding does not take its debt with it (docs/decisions/0070).
   */
  private readonly budgets: Budgets<string>;
  private readonly typing: TypingThrottle;
  private readonly commits: GroupCommit;
  private readonly fanout: RoomFanout;
  private readonly editWindowMs: number;
  private readonly mutes: RoomMutes;
  private readonly reactions: RoomReactions;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const config = loadConfig(env);
    this.limits = config.rooms;
    this.log = objectLogger(env, "Room");
    this.budgets = new Budgets({ ratePerSecond: this.limits.sendRatePerSecond, burst: this.limits.sendBurst });
    // SQLite calls are synchronous, so the state is rebuilt before any event runs.
    this.store = new RoomStore(ctx.storage, newId);
    this.mutes = new RoomMutes(ctx.storage.sql);
    this.reactions = new RoomReactions(ctx.storage.sql);
    this.editWindowMs = config.im.editWindowMs;
    this.fanout = new RoomFanout(ctx, env, this.store, config.im, this.log, () =>
      this.upkeep.alarmBy(Date.now() + FANOUT_RETRY_MS),
    );
    this.upkeep = new RoomUpkeep(ctx, env, this.store, this.limits, this.log, this.fanout);
    this.typing = new TypingThrottle(this.limits.typingThrottleMs);
    this.commits = new GroupCommit((group) => this.commitGroup(group), this.limits.groupCommitMs);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
  }

  // ---------------------------------------------------------------- RPC (called by the Worker)

  /** Names the room and adds its first members; idempotent. False if it was set up as another room. */
  async setup(roomId: string, kind: RoomKind, members: RoomMember[]): Promise<boolean> {
    if (!this.store.setup(roomId, kind)) return false;
    this.store.upsertMembers(members);
    return true;
  }

  /** Adds members or changes roles (join, invite, promotion); returns the latest seq (new members have read it). */
  async addMembers(members: RoomMember[]): Promise<number> {
    this.store.upsertMembers(members);
    return this.store.state.lastSeq;
  }

  /** Removes a member (leave, removal) and closes their sockets with 4003; returns sockets closed. */
  async removeMember(userId: string): Promise<number> {
    this.store.removeMember(userId);
    return this.retireAll(liveSockets(this.ctx, userTag(userId)), CloseCode.accessRevoked, "access revoked");
  }

  /** Mutes a member until `untilMs` (null lifts it): their sends are refused with `muted` (durable/room/sanctions.ts). */
  async setMute(userId: string, untilMs: number | null): Promise<void> {
    if (untilMs === null) this.mutes.clear(userId);
    else this.mutes.set(userId, untilMs);
  }

  /** Removes any message as a moderator (the Worker checked who may): a tombstone for everyone. */
  async removeAsModerator(seq: number): Promise<ChangeResult> {
    return this.publishChange(removeByModerator(this.store, seq, Date.now(), newId));
  }

  /** Closes the sockets of session `sid` (logout) with 4001; returns how many. */
  async endSession(sid: string): Promise<number> {
    return this.retireAll(liveSockets(this.ctx, sessionTag(sid)), CloseCode.sessionEnded, "session ended");
  }

  /** Closes every socket with 1001 because the server is stopping; returns how many. */
  async goingAway(): Promise<number> {
    return closeAllSockets(this.ctx);
  }

  /**
   * Sends a message over HTTP with exactly the socket's semantics (dedupe, seq, broadcast),
   * counted against the same per-user budget as the user's socket frames.
   */
  async post(sender: Sender, clientMsgId: string, body: string): Promise<PostResult> {
    if (!this.store.role(sender.userId)) return notMember();
    const now = Date.now();
    const bucket = this.budgets.of(sender.userId, now);
    if (bucket.take(now) !== "allow") {
      const retryAfter = Math.max(1, bucket.retryAfterSeconds(now));
      return { ok: false, code: "rate_limited", detail: "Too many messages; slow down.", retryAfter };
    }
    return this.accept(sender, clientMsgId, body);
  }

  /** Messages this room keeps: `after` a seq (oldest first) or `before` one (the newest below it). */
  async recent(
    userId: string,
    query: { after?: number; before?: number; limit: number },
  ): Promise<RecentMessages | RoomRefusal> {
    if (!this.store.role(userId)) return notMember();
    const { floorSeq, lastSeq } = this.store.state;
    const items =
      query.after !== undefined
        ? this.store.after(query.after, query.limit)
        : this.store.before(query.before ?? lastSeq + 1, query.limit);
    return { items: this.reactions.decorate(items, userId), floorSeq, lastSeq };
  }

  /**
   * Adds or removes member `userId`'s reaction with `emoji` on message `seq` (idempotent) and
   * tells the room's sockets when it changed. Muted members cannot add reactions (removing
   * their own is allowed); in a direct room a blocked member cannot either. Nothing is
   * logged, fanned out or written per member.
   */
  async react(request: ReactionRequest): Promise<ReactionResult> {
    const { userId } = request;
    if (!this.store.role(userId)) return notMember();
    const now = Date.now();
    if (request.op === "add") {
      const mutedUntil = this.mutes.mutedUntil(userId, now);
      if (mutedUntil !== undefined) return mutedRefusal(mutedUntil);
      if (this.store.state.kind === "direct" && this.store.blockedBy(userId))
        return { ok: false, code: "blocked", detail: "This user does not accept your messages." };
    }
    const result = this.reactions.apply(this.store, request, now);
    if (result.ok && result.changed) {
      const { seq, emoji, op } = request;
      const frame: ReactionFrame = { type: "reaction", seq, emoji, count: result.count, userId, op };
      broadcast(this.ctx.getWebSockets(), frame);
    }
    return result;
  }

  /** Moves a member's read cursor forward; returns the cursor and the unread count it leaves. */
  async markRead(userId: string, seq: number): Promise<({ ok: true } & ReadStanding) | RoomRefusal> {
    if (!this.store.role(userId)) return notMember();
    if (seq > this.store.state.lastSeq)
      return { ok: false, code: "seq_ahead", detail: "The room has no message with that seq yet." };
    const readSeq = this.store.markRead(userId, seq);
    const standing = { readSeq, unread: this.store.unreadCount(userId, readSeq), asOf: this.store.state.lastSeq };
    await this.upkeep.alarmBy(Date.now() + this.limits.archiveDelayMs);
    return { ok: true, ...standing };
  }

  /** Users connected now (each once). */
  async online(): Promise<string[]> {
    return onlineUsers(this.ctx);
  }

  /** Edits or deletes a message as its sender (HTTP); the change is broadcast like a socket's. */
  async change(request: ChangeRequest): Promise<ChangeResult> {
    if (!this.store.role(request.editorId)) return notMember();
    const result = this.commitChange(request);
    if (!result.ok) return result;
    return { ...result, message: this.reactions.decorate([result.message], request.editorId)[0] ?? result.message };
  }

  /** Records whether member `userId` blocks the other member of this direct room. */
  async setBlocks(userId: string, blocks: boolean): Promise<void> {
    this.store.setBlocksPeer(userId, blocks);
  }

  /** Where member `userId` stands, computed from the log (an inbox catching up), or null for a non-member. */
  async memberSummary(userId: string): Promise<MemberSummary | null> {
    if (!this.store.role(userId)) return null;
    const readSeq = this.store.readSeq(userId);
    return {
      lastSeq: this.store.state.lastSeq,
      readSeq,
      memberCount: this.store.memberCount(),
      unread: this.store.unreadCount(userId, readSeq),
      lastMessage: this.store.before(this.store.state.lastSeq + 1, 1)[0] ?? null,
    };
  }

  /**
   * Member `userId`'s inbox listens from now on: it gets this room's rounds until it answers
   * that it stopped. Returns where the member stands (its rounds continue from there), or null
   * for a non-member.
   */
  async attachInbox(userId: string): Promise<MemberSummary | null> {
    if (!this.store.attachInbox(userId, Date.now())) return null;
    return this.memberSummary(userId);
  }

  /** Inboxes that stopped listening (reported by the FANOUT consumer); a newer attach stays. */
  async inboxesStopped(listeners: { userId: string; since: number }[]): Promise<void> {
    for (const { userId, since } of listeners) this.store.inboxStopped(userId, since);
  }

  /** Benchmarks and tests: force the fan-out path ("auto" decides by member count). */
  async setFanoutPath(path: FanoutPath): Promise<void> {
    await this.fanout.setPath(path);
  }

  /** Benchmarks and tests: fan-out counters since the object started, and how far it got. */
  async fanoutStats(): Promise<FanoutStats & { fanoutSeq: number; lastSeq: number }> {
    return { ...this.fanout.stats, fanoutSeq: this.store.state.fanoutSeq, lastSeq: this.store.state.lastSeq };
  }

  // ---------------------------------------------------------------- sockets

  /** Only upgrades. The Worker has verified the caller, the Origin and membership. */
  override async fetch(request: Request): Promise<Response> {
    const identity = readIdentity(request);
    const roomId = request.headers.get(ROOM_ID_HEADER);
    if (!identity || !roomId || request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected an authenticated websocket upgrade", { status: 400 });
    }
    if (roomId !== this.store.state.roomId || !this.store.role(identity.userId)) {
      return new Response("no such room", { status: 404 });
    }
    const now = Date.now();
    const { server, response } = acceptSocket<Attachment>(this.ctx, { ...identity, connectedAt: now, seenAt: now });
    trackSocketOwner("ROOM", this.ctx.id);
    welcomeAndReplay(
      server,
      this.store,
      this.reactions,
      { userId: identity.userId, online: onlineUsers(this.ctx), readSeq: this.store.readSeq(identity.userId) },
      new URL(request.url).searchParams,
      this.limits.replayLimit,
    );
    if (!isOnlineElsewhere(this.ctx, identity.userId, server)) {
      broadcast(this.ctx.getWebSockets(), { type: "presence", userId: identity.userId, status: "online" }, server);
    }
    await this.upkeep.alarmBy(now + Math.ceil(this.limits.idleTimeoutMs / 2));
    return response;
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const attachment = readAttachment(ws);
    if (!attachment || attachment.gone) return;
    try {
      await this.handleFrame(ws, attachment, data, Date.now());
    } catch (err) {
      // Never let one frame take the room down; the client sees a bland error.
      this.log.error("room frame failed", { roomId: this.store.state.roomId, error: String(err) });
      sendFrame(ws, errorFrame("internal_error", "Something went wrong on our side."));
    }
  }

  private async handleFrame(ws: WebSocket, sender: Attachment, data: string | ArrayBuffer, now: number): Promise<void> {
    if (now - sender.seenAt > this.limits.idleTimeoutMs / 4)
      ws.serializeAttachment({ ...sender, seenAt: now } satisfies Attachment);
    const decoded = decodeFrame(data, this.limits.maxFrameBytes, RoomClientFrameSchema);
    if (decoded.kind === "too_large") return this.retireOne(ws, 1009, "frame too large");
    if (!this.store.role(sender.userId)) return this.retireOne(ws, CloseCode.accessRevoked, "access revoked");
    const clientMsgId =
      decoded.kind === "frame" && decoded.frame.type === "send" ? decoded.frame.clientMsgId : undefined;
    const bucket = this.budgets.of(sender.userId, now);
    const verdict = bucket.take(now);
    if (verdict !== "allow") {
      refuseFlood(ws, verdict, bucket, now, clientMsgId);
      if (verdict === "close") this.departed(ws, sender.userId);
      return;
    }
    if (decoded.kind === "invalid") return void sendFrame(ws, errorFrame("invalid_frame", decoded.detail));
    const frame = decoded.frame;
    switch (frame.type) {
      case "send": {
        const result = await this.accept(sender, frame.clientMsgId, frame.body, ws);
        if (!result.ok) {
          const until = result.until ? { until: result.until } : {};
          sendFrame(ws, errorFrame(result.code, result.detail, { clientMsgId: frame.clientMsgId, ...until }));
        }
        return;
      }
      case "typing":
        if (this.typing.allow(sender.userId, now))
          broadcast(this.ctx.getWebSockets(), { type: "typing", userId: sender.userId }, ws);
        return;
      case "read": {
        const result = await this.markRead(sender.userId, frame.seq);
        if (!result.ok) return void sendFrame(ws, errorFrame(result.code, result.detail));
        // The user's inbox takes the new count and tells every device.
        await this.inbox(sender.userId).applyRead(this.store.state.roomId ?? "", result);
        return;
      }
      case "edit":
      case "delete": {
        const result = this.commitChange({
          kind: frame.type,
          editorId: sender.userId,
          seq: frame.seq,
          ...(frame.type === "edit" ? { body: frame.body } : {}),
        });
        if (!result.ok) sendFrame(ws, errorFrame(result.code, result.detail));
        return;
      }
      case "react": {
        const result = await this.react({ userId: sender.userId, seq: frame.seq, emoji: frame.emoji, op: frame.op });
        if (!result.ok)
          sendFrame(ws, errorFrame(result.code, result.detail, result.until ? { until: result.until } : {}));
        return;
      }
      case "ping":
        return void sendFrame(ws, PONG_FRAME);
    }
  }

  /**
   * Queues the message for the next group commit; once stored (or found already stored) the
   * sending socket gets its ack and a new message is broadcast to everyone (the sender's
   * sockets too). A resend gets the original ack and no broadcast.
   */
  private async accept(sender: Sender, clientMsgId: string, body: string, replyTo?: WebSocket): Promise<PostResult> {
    const mutedUntil = this.mutes.mutedUntil(sender.userId, Date.now());
    if (mutedUntil !== undefined) return mutedRefusal(mutedUntil);
    const badBody = refuseBody(body, this.limits.maxBodyChars);
    if (badBody) return badBody;
    if (this.store.state.kind === "direct" && this.store.blockedBy(sender.userId)) {
      return { ok: false, code: "blocked", detail: "This user does not accept your messages." };
    }
    const { message, created } = await this.commits.enqueue({
      sender: { userId: sender.userId, username: sender.username },
      clientMsgId,
      body,
      replyTo,
    });
    return { ok: true, message, created };
  }

  /**
   * Stores a group in one transaction, then sends acks and broadcasts in seq order: the
   * output gate holds them until the commit is durable; then the members' inboxes get them.
   */
  private commitGroup(group: PendingSend[]): void {
    const now = Date.now();
    const results = this.store.appendMany(group, now, newId);
    let stored = 0;
    const sockets = this.ctx.getWebSockets();
    group.forEach((send, i) => {
      const { message, created } = results[i]!;
      if (send.replyTo)
        sendFrame(send.replyTo, { type: "ack", clientMsgId: send.clientMsgId, seq: message.seq, id: message.id });
      if (created) {
        broadcast(sockets, { type: "message", message });
        stored++;
      }
      send.resolve({ message, created });
    });
    if (stored > 0) {
      this.fanout.kick();
      this.upkeep
        .messageStored(now)
        .catch((err: unknown) => this.log.error("archive scheduling failed", { error: String(err) }));
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    // Complete the close handshake; 1005/1006 are reserved and cannot be sent back.
    const attachment = readAttachment(ws);
    answerClose(ws, code);
    if (attachment && !attachment.gone) this.departed(ws, attachment.userId);
    untrackIfIdle(this.ctx);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    const attachment = readAttachment(ws);
    if (attachment && !attachment.gone) this.departed(ws, attachment.userId);
  }

  override async alarm(): Promise<void> {
    await this.upkeep.run(Date.now(), (ws) => {
      const userId = readAttachment(ws)?.userId;
      if (userId) this.departed(ws, userId);
    });
    // Reactions leave with the messages the upkeep trimmed (the archive keeps none).
    this.reactions.dropThrough(this.store.state.floorSeq);
  }

  // ---------------------------------------------------------------- helpers

  /** Stores an edit/delete entry, broadcasts it (the output gate holds it until durable) and fans it out. */
  private commitChange(request: ChangeRequest): ChangeResult {
    const limits = { editWindowMs: this.editWindowMs, maxBodyChars: this.limits.maxBodyChars };
    return this.publishChange(applyChange(this.store, request, limits, Date.now(), newId));
  }

  /** Broadcasts a stored change and hands it to fan-out and the archive. */
  private publishChange(result: ChangeResult): ChangeResult {
    if (result.ok && result.entry) {
      this.broadcastEntry(result.entry);
      this.fanout.kick();
      this.upkeep
        .messageStored(Date.now())
        .catch((err: unknown) => this.log.error("archive scheduling failed", { error: String(err) }));
    }
    return result;
  }

  /**
   * Sends a change entry to every socket. A deleted message loses its reactions; an edited
   * one that has reactions goes to each socket with `me` as its user sees it.
   */
  private broadcastEntry(entry: RoomEntry): void {
    const seq = entry.message.seq;
    if (entry.type === "deleted") this.reactions.dropMessage(seq);
    if (entry.type !== "edited" || !this.reactions.has(seq)) return void broadcast(this.ctx.getWebSockets(), entry);
    const byUser = new Map<string, string>();
    for (const ws of liveSockets(this.ctx)) {
      const userId = readAttachment(ws)?.userId;
      if (!userId) continue;
      let text = byUser.get(userId);
      if (text === undefined) {
        text = JSON.stringify(this.reactions.decorateEntries([entry], userId)[0]);
        byUser.set(userId, text);
      }
      sendFrame(ws, text);
    }
  }

  private inbox(userId: string) {
    return this.env.INBOX.get(this.env.INBOX.idFromName(userId));
  }

  /** Announces `offline` when the user's last live socket is gone. */
  private departed(ws: WebSocket, userId: string): void {
    if (!isOnlineElsewhere(this.ctx, userId, ws))
      broadcast(this.ctx.getWebSockets(), { type: "presence", userId, status: "offline" }, ws);
  }

  private retireOne(ws: WebSocket, code: number, reason: string): void {
    const userId = readAttachment(ws)?.userId;
    closeSocket(ws, code, reason);
    if (userId) this.departed(ws, userId);
  }

  private retireAll(sockets: WebSocket[], code: number, reason: string): number {
    for (const ws of sockets) this.retireOne(ws, code, reason);
    return sockets.length;
  }
}

function notMember(): RoomRefusal {
  return { ok: false, code: "not_member", detail: "No such room." };
}

// Inbox: one Durable Object per user, the user's gateway state. It owns every device's inbox
// socket (`/v1/inbox/ws`, hibernating) and the user's room list.
//
// Responsibilities:
// - accept sockets the Worker has authenticated (identity in headers, see src/protocol/identity.ts);
//   greet each with where the user stands in every room (`welcome`), so nothing is stale after
//   a reconnect;
// - `deliver`: apply a room's new entries once per (room, seq): last message, unread set; send
//   them to every device not watching that room, `unread` to every device; push to the user's
//   subscriptions when no device is connected;
// - read cursors (`applyRead`, or the socket's `read` frame through the room): unread is the
//   number of messages from others after the cursor, never negative;
// - the room list (`rooms`) for GET /v1/rooms, joined/left from the Worker, rebuilt from D1 and
//   the rooms once when the inbox predates IM;
// - `notify`: any frame to every device (task updates); `endSession`: close a session's sockets;
// - `goingAway`: close every socket with 1001 when the server stops.
import { DurableObject } from "cloudflare:workers";
import { createLogger, type Logger, type LogLevel } from "../src/lib/log";
import { type ImSettings, loadConfig } from "../src/config";
import { CloseCode, readIdentity, SUBPROTOCOL, type SocketIdentity } from "../src/protocol/identity";
import type { DeliveryResult, InboxCursor, InboxDelivery, InboxMembership, InboxRoom } from "../src/protocol/inbox";
import { errorFrame, type InboxServerFrame, PING_FRAME, PONG_FRAME } from "../src/protocol/protocol";
import { type Applied, applyDelivery } from "./inbox/apply";
import { decodeInboxFrame } from "./inbox/frames";
import { noticeOf, sendPush } from "./inbox/push";
import { membershipsOf, rebuildInbox } from "./inbox/rebuild";
import { type InboxCounters, InboxStore, type PushSubscriptionRow } from "./inbox/store";
import { SendBucket } from "./room/limits";
import { closeAllSockets, trackSocketOwner, untrackIfIdle } from "./socket-owners";

/** Per-socket state kept in the hibernation attachment (small on purpose). */
type Attachment = SocketIdentity;

const sessionTag = (sid: string) => `sid:${sid}`;
const LOG_LEVELS: readonly string[] = ["debug", "info", "warn", "error"];
const WELCOME_ROOMS = 500;
const MAX_FRAME_BYTES = 4_096;
const MAX_SUBSCRIPTIONS = 10;

export class Inbox extends DurableObject<Env> {
  private readonly store: InboxStore;
  private readonly settings: ImSettings;
  private readonly log: Logger;
  private readonly buckets = new WeakMap<WebSocket, SendBucket>();
  private building: Promise<void> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new InboxStore(ctx.storage);
    this.settings = loadConfig(env).im;
    const level = LOG_LEVELS.includes(env.LOG_LEVEL) ? (env.LOG_LEVEL as LogLevel) : "info";
    this.log = createLogger(level, { object: "Inbox" });
    // Keep-alives are answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
  }

  /** Only upgrades: the Worker has verified the caller and forwards the identity. */
  override async fetch(request: Request): Promise<Response> {
    const identity = readIdentity(request);
    if (!identity || request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected an authenticated websocket upgrade", { status: 400 });
    }
    await this.ensureBuilt(identity.userId);
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [sessionTag(identity.sid)]);
    trackSocketOwner("INBOX", this.ctx.id);
    server.serializeAttachment(identity satisfies Attachment);
    this.send(server, { type: "welcome", rooms: this.store.standings(WELCOME_ROOMS) });
    return new Response(null, { status: 101, webSocket: client, headers: { "Sec-WebSocket-Protocol": SUBPROTOCOL } });
  }

  // ---------------------------------------------------------------- RPC

  /** Sends `frame` to every device of this user; returns how many sockets it reached. */
  async notify(frame: InboxServerFrame): Promise<number> {
    return this.broadcast(frame);
  }

  /**
   * Applies new entries of one of the user's rooms (from the room, or the FANOUT queue); each
   * (room, seq) once. Devices watching the room (`delivery.watching`) get only `unread`.
   */
  async deliver(userId: string, delivery: InboxDelivery): Promise<DeliveryResult> {
    if (!this.store.hasRoom(delivery.room.id)) await this.adopt(userId, delivery);
    const applied = applyDelivery(this.store, userId, delivery, Date.now());
    this.store.countDelivery(applied.entries.length, applied.duplicates);
    this.announce(delivery, applied);
    return { applied: applied.entries.length, duplicates: applied.duplicates };
  }

  /** Moves the read cursor of a room forward (the room has checked it) and tells every device. */
  async applyRead(roomId: string, readSeq: number): Promise<{ unread: number; readSeq: number } | null> {
    const result = this.store.applyRead(roomId, readSeq);
    if (!result) return null;
    this.broadcast({ type: "unread", roomId, unread: result.unread, readSeq: result.readSeq });
    return { unread: result.unread, readSeq: result.readSeq };
  }

  /** The user joined a room, or their role changed. (A rebuild, if one is due, merges later.) */
  async joined(membership: InboxMembership): Promise<void> {
    this.store.upsertMembership(membership, Date.now());
  }

  /** The user left a room (or was removed): it leaves the list; late deliveries are ignored. */
  async left(roomId: string): Promise<void> {
    if (this.store.markLeft(roomId)) this.broadcast({ type: "left", roomId });
  }

  /** A page of the user's rooms, most recent activity first. */
  async rooms(
    userId: string,
    limit: number,
    after?: InboxCursor,
  ): Promise<{ items: InboxRoom[]; next: InboxCursor | undefined }> {
    await this.ensureBuilt(userId);
    const { rooms, next } = this.store.page(limit, after);
    return { items: rooms, next };
  }

  /** Adds a push subscription (or refreshes one with the same endpoint). */
  async addPushSubscription(sub: { endpoint: string; p256dh: string; auth: string }): Promise<PushSubscriptionRow> {
    return this.store.addSubscription({ id: crypto.randomUUID(), ...sub }, Date.now(), MAX_SUBSCRIPTIONS);
  }

  async pushSubscriptions(): Promise<PushSubscriptionRow[]> {
    return this.store.subscriptions();
  }

  async removePushSubscription(id: string): Promise<boolean> {
    return this.store.removeSubscription(id);
  }

  /** Closes the sockets that belong to session `sid`; returns how many were closed. */
  async endSession(sid: string): Promise<number> {
    const sockets = this.ctx.getWebSockets(sessionTag(sid));
    for (const ws of sockets) ws.close(CloseCode.sessionEnded, "session ended");
    return sockets.length;
  }

  /** Closes every socket with 1001 because the server is stopping; returns how many. */
  async goingAway(): Promise<number> {
    return closeAllSockets(this.ctx);
  }

  /** How many devices are connected now. */
  async connectedDevices(): Promise<number> {
    return this.ctx.getWebSockets().length;
  }

  /** Tests and benchmarks: counters, and when (room, seq) was applied here. */
  async stats(roomId?: string, seq?: number): Promise<InboxCounters & { appliedAt: number | null }> {
    const appliedAt = roomId !== undefined && seq !== undefined ? this.store.seenAt(roomId, seq) : null;
    return { ...this.store.counters(), appliedAt };
  }

  /** Benchmarks: when each of `seqs` of a room was applied here (null: not yet). */
  async appliedAt(roomId: string, seqs: number[]): Promise<(number | null)[]> {
    return seqs.map((seq) => this.store.seenAt(roomId, seq));
  }

  // ---------------------------------------------------------------- sockets

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const identity = ws.deserializeAttachment() as Attachment | null;
    if (!identity) return;
    const decoded = decodeInboxFrame(data, MAX_FRAME_BYTES);
    if (decoded.kind === "too_large") return ws.close(1009, "frame too large");
    const now = Date.now();
    const verdict = this.bucket(ws, now).take(now);
    if (verdict === "close") return ws.close(CloseCode.rateLimited, "too many frames");
    if (verdict === "reject") return void this.send(ws, errorFrame("rate_limited", "Too many frames; slow down."));
    if (decoded.kind === "invalid") return void this.send(ws, errorFrame("invalid_frame", decoded.detail));
    const frame = decoded.frame;
    if (frame.type === "ping") return void this.send(ws, PONG_FRAME);
    // A read goes through the room, which checks membership and that the seq exists.
    try {
      const result = await this.env.ROOM.get(this.env.ROOM.idFromName(frame.roomId)).markRead(
        identity.userId,
        frame.seq,
      );
      if (!result.ok) {
        const code = result.code === "not_member" ? "not_found" : result.code;
        return void this.send(ws, errorFrame(code, result.code === "not_member" ? "No such room." : result.detail));
      }
      await this.applyRead(frame.roomId, result.readSeq);
    } catch (err) {
      this.log.error("inbox read failed", { error: String(err) });
      this.send(ws, { type: "error", code: "internal_error", detail: "Something went wrong on our side." });
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    // Complete the close handshake; 1005/1006 are reserved and cannot be sent back.
    if (code !== 1005 && code !== 1006) ws.close(code, "closing");
    untrackIfIdle(this.ctx);
  }

  // ---------------------------------------------------------------- helpers

  private async ensureBuilt(userId: string): Promise<void> {
    if (this.store.built) return;
    this.building ??= rebuildInbox(this.env, this.store, userId).finally(() => {
      this.building = undefined;
    });
    await this.building;
  }

  /** A delivery for a room this inbox does not know yet: its facts come from D1 (or the delivery). */
  private async adopt(userId: string, delivery: InboxDelivery): Promise<void> {
    const [known] = await membershipsOf(this.env.DB, userId, delivery.room.id);
    if (this.store.room(delivery.room.id)) return;
    const base = known ?? {
      roomId: delivery.room.id,
      kind: delivery.room.kind,
      name: "",
      role: "member" as const,
      createdAt: new Date().toISOString(),
    };
    this.store.upsertMembership({ ...base, memberCount: delivery.room.memberCount }, Date.now());
  }

  /** Frames for the devices, and a push when no device is connected and no session watches the room. */
  private announce(delivery: InboxDelivery, applied: Applied): void {
    const sockets = this.ctx.getWebSockets();
    if (applied.entries.length > 0) {
      const watching = new Set(delivery.watching);
      for (const ws of sockets) {
        const sid = (ws.deserializeAttachment() as Attachment | null)?.sid;
        if (sid !== undefined && watching.has(sid)) continue;
        for (const entry of applied.entries) this.send(ws, entry);
      }
    }
    if (applied.unread)
      this.broadcast({
        type: "unread",
        roomId: delivery.room.id,
        unread: applied.unread.count,
        readSeq: applied.unread.readSeq,
      });
    if (applied.notable && sockets.length === 0 && delivery.watching.length === 0) {
      this.pushAll(noticeOf(applied.notable, applied.unread?.count ?? 0)).catch((err: unknown) =>
        this.log.warn("push failed", { error: String(err) }),
      );
    }
  }

  private async pushAll(notice: ReturnType<typeof noticeOf>): Promise<void> {
    const vapid = this.settings.vapid;
    if (!vapid) return;
    for (const sub of this.store.subscriptions()) {
      const outcome = await sendPush(vapid, this.settings.pushTtlSeconds, sub, notice).catch(() => "failed" as const);
      if (outcome === "gone") this.store.removeSubscription(sub.id);
      if (outcome === "sent") this.store.count("pushes");
      if (outcome === "failed") this.log.warn("push not accepted", { subscription: sub.id });
    }
  }

  private broadcast(frame: InboxServerFrame): number {
    const text = JSON.stringify(frame);
    let reached = 0;
    for (const ws of this.ctx.getWebSockets()) if (this.send(ws, text)) reached++;
    return reached;
  }

  private send(ws: WebSocket, frame: InboxServerFrame | string): boolean {
    try {
      ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
      return true;
    } catch {
      // A socket that cannot take a frame is already closing; the runtime drops it.
      return false;
    }
  }

  private bucket(ws: WebSocket, now: number): SendBucket {
    let bucket = this.buckets.get(ws);
    if (!bucket) {
      bucket = new SendBucket(20, 40, now);
      this.buckets.set(ws, bucket);
    }
    return bucket;
  }
}

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
import type { Logger } from "../src/lib/log";
import { type ImSettings, loadConfig } from "../src/config";
import { CloseCode, readIdentity } from "../src/protocol/identity";
import type { DeliveryResult, InboxCursor, InboxDelivery, InboxMembership, InboxRoom } from "../src/protocol/inbox";
import {
  errorFrame,
  InboxClientFrameSchema,
  type InboxServerFrame,
  PING_FRAME,
  PONG_FRAME,
} from "../src/protocol/protocol";
import { type Applied, applyDelivery } from "./inbox/apply";
import { noticeOf, sendPush } from "./inbox/push";
import { membershipsOf, rebuildInbox } from "./inbox/rebuild";
import { type InboxCounters, InboxStore, type PushSubscriptionRow } from "./inbox/store";
import { closeAllSockets, trackSocketOwner, untrackIfIdle } from "./socket-owners";
import {
  acceptSocket,
  answerClose,
  broadcast,
  closeSocket,
  closeSockets,
  readAttachment,
  sendFrame,
  sessionTag,
} from "./sockets/connection";
import { refuseFlood } from "./sockets/flood";
import { decodeFrame } from "./sockets/frames";
import { objectLogger } from "./sockets/log";
import { Budgets } from "./sockets/rate";

const WELCOME_ROOMS = 500;
const MAX_SUBSCRIPTIONS = 10;

export class Inbox extends DurableObject<Env> {
  private readonly store: InboxStore;
  private readonly settings: ImSettings;
  private readonly log: Logger;
  /** Frame budgets per socket (each device its own). */
  private readonly budgets: Budgets<WebSocket>;
  private building: Promise<void> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new InboxStore(ctx.storage);
    this.settings = loadConfig(env).im;
    this.log = objectLogger(env, "Inbox");
    this.budgets = new Budgets(this.settings.inboxSocket);
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
    const { server, response } = acceptSocket(this.ctx, identity);
    trackSocketOwner("INBOX", this.ctx.id);
    sendFrame(server, { type: "welcome", rooms: this.store.standings(WELCOME_ROOMS) } satisfies InboxServerFrame);
    return response;
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
    return closeSockets(this.ctx.getWebSockets(sessionTag(sid)), CloseCode.sessionEnded, "session ended");
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
    const identity = readAttachment(ws);
    if (!identity || identity.gone) return;
    const decoded = decodeFrame(data, this.settings.inboxSocket.maxFrameBytes, InboxClientFrameSchema);
    if (decoded.kind === "too_large") return closeSocket(ws, 1009, "frame too large");
    const now = Date.now();
    const bucket = this.budgets.of(ws, now);
    const verdict = bucket.take(now);
    if (verdict !== "allow") return refuseFlood(ws, verdict, bucket, now);
    if (decoded.kind === "invalid") return void sendFrame(ws, errorFrame("invalid_frame", decoded.detail));
    const frame = decoded.frame;
    if (frame.type === "ping") return void sendFrame(ws, PONG_FRAME);
    // Only rooms on the user's own list reach a Room object: a read of any other name must
    // not open (and persist) an object for it. The room still checks membership and the seq.
    if (!this.store.hasRoom(frame.roomId)) return void sendFrame(ws, errorFrame("not_found", "No such room."));
    try {
      const result = await this.env.ROOM.get(this.env.ROOM.idFromName(frame.roomId)).markRead(
        identity.userId,
        frame.seq,
      );
      if (!result.ok) {
        const code = result.code === "not_member" ? "not_found" : result.code;
        return void sendFrame(ws, errorFrame(code, result.code === "not_member" ? "No such room." : result.detail));
      }
      await this.applyRead(frame.roomId, result.readSeq);
    } catch (err) {
      this.log.error("inbox read failed", { error: String(err) });
      sendFrame(ws, errorFrame("internal_error", "Something went wrong on our side."));
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    answerClose(ws, code);
    this.budgets.drop(ws);
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
      const texts = applied.entries.map((entry) => JSON.stringify(entry)); // once, not per device
      for (const ws of sockets) {
        const sid = readAttachment(ws)?.sid;
        if (sid !== undefined && watching.has(sid)) continue;
        for (const text of texts) sendFrame(ws, text);
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
    return broadcast(this.ctx.getWebSockets(), frame);
  }
}

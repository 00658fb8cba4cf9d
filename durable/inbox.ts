// Inbox: one Durable Object per user, the user's gateway state. It owns every device's inbox
// socket (`/v1/inbox/ws`, hibernating) and the user's room list.
//
// Responsibilities:
// - accept sockets the Worker has authenticated (identity in headers, see src/protocol/identity.ts);
//   greet each with where the user stands in every room (`welcome`), so nothing is stale after
//   a reconnect;
// - read state per room (docs/decisions/0071): a read cursor, an unread counter and the seq it
//   is counted through. Rooms send their rounds only while the inbox listens (a device is
//   connected, the room list was read in the last IM_INBOX_LINGER_MS, or push subscriptions
//   exist); an inbox that starts listening asks its rooms where the user stands (catch-up);
// - `deliver`: apply a room's round after the counted seq (a gap is filled by asking the
//   room); send new entries to every device not watching that room, `unread` to every device;
//   push to the user's subscriptions when no device is connected;
// - read cursors (`applyRead`, or the socket's `read` frame through the room): the room counts
//   unread from its log; never negative;
// - the room list (`rooms`) for GET /v1/rooms, joined/left from the Worker, rebuilt from D1
//   once when the inbox predates IM; per-room notification settings (`setRoomSettings`,
//   decision 0086), which gate pushes but never the unread count;
// - `notify`: any frame to every device (task updates); `endSession`: close a session's sockets;
// - `goingAway`: close every socket with 1001 when the server stops.
import { DurableObject } from "cloudflare:workers";
import type { Logger } from "../src/lib/log";
import { type ImSettings, loadConfig } from "../src/config";
import { CloseCode, readIdentity } from "../src/protocol/identity";
import type {
  DeliveryResult,
  InboxCursor,
  InboxDelivery,
  InboxMembership,
  MyInboxRoom,
  ReadStanding,
  RoomSettings,
} from "../src/protocol/inbox";
import {
  errorFrame,
  InboxClientFrameSchema,
  type InboxServerFrame,
  PING_FRAME,
  PONG_FRAME,
} from "../src/protocol/protocol";
import { type Applied, applyDelivery, GAP } from "./inbox/apply";
import { catchUp } from "./inbox/catch-up";
import { noticeOf, sendPush } from "./inbox/push";
import { messageToPush } from "./inbox/push-policy";
import { RoomSettingsStore } from "./inbox/room-settings";
import { membershipsOf, rebuildInbox } from "./inbox/rebuild";
import { type InboxCounters, InboxStore, type PushSubscriptionRow } from "./inbox/store";
import { MeteredSql } from "./sql-meter";
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
/** Rooms a catch-up asks at most (the newest by activity; the room list's own cap). */
const CATCH_UP_ROOMS = 1_000;
/**
 * Rounds stage their rooms' rows in memory; they are written at most this long after (any
 * read of the list writes them first). An eviction before that loses nothing: the next round
 * finds a gap and asks the room.
 */
const FLUSH_AFTER_MS = 5_000;

/** Counts kept in memory for tests and benchmarks (since the object started). */
export interface InboxStats extends InboxCounters {
  /** Rooms asked where the user stands (catch-ups and gaps). */
  roomCalls: number;
  gaps: number;
  listening: boolean;
}

export class Inbox extends DurableObject<Env> {
  private readonly store: InboxStore;
  private readonly roomSettings: RoomSettingsStore;
  private readonly settings: ImSettings;
  private readonly log: Logger;
  /** Frame budgets per socket (each device its own). */
  private readonly budgets: Budgets<WebSocket>;
  private building: Promise<void> | undefined;
  /** True while every room on the list sends its rounds here (in memory: false after a restart). */
  private caughtUp = false;
  private catching: Promise<void> | undefined;
  /** Listening without a device until then (a room-list read, a device that just left). */
  private lingerUntil = 0;
  private hasSubscriptions: boolean | undefined;
  private readonly counts = { deliveries: 0, applied: 0, duplicates: 0, roomCalls: 0, gaps: 0 };
  private flushTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new InboxStore(ctx.storage);
    this.roomSettings = new RoomSettingsStore(new MeteredSql(ctx.storage.sql));
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
    await this.ensureListening(identity.userId);
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
   * Applies a round of one of the user's rooms (from the room, or the FANOUT queue): entries
   * after the counted seq, once. Devices watching the room (`delivery.watching`) get only
   * `unread`. An inbox nobody needs answers `listening: false` and applies nothing: the room
   * stops sending, and the next catch-up takes the count from the room.
   */
  async deliver(userId: string, delivery: InboxDelivery): Promise<DeliveryResult> {
    const skipped = { applied: 0, duplicates: delivery.entries.length };
    if (!this.listening(Date.now())) {
      this.caughtUp = false;
      return { ...skipped, listening: false };
    }
    const roomId = delivery.room.id;
    if (!this.store.hasRoom(roomId)) await this.adopt(userId, delivery);
    let applied = applyDelivery(this.store, userId, delivery);
    let filled = false;
    if (applied === GAP) {
      // Entries are missing before this round: the room says where the user stands, then the
      // round applies on top (what it repeats is skipped; what is new is shown).
      this.counts.gaps++;
      await this.askRooms(userId, [roomId], "peek");
      // The room sends an entry to a listener once: this round's entries are new to the devices.
      applied = applyDelivery(this.store, userId, delivery, delivery.fromSeq);
      filled = true;
    }
    this.scheduleFlush();
    if (applied === GAP) return { ...skipped, listening: true };
    this.counts.deliveries++;
    this.counts.applied += applied.entries.length;
    this.counts.duplicates += applied.duplicates;
    this.announce(userId, delivery, applied, filled);
    return { applied: applied.entries.length, duplicates: applied.duplicates, listening: true };
  }

  /**
   * Takes a read cursor the room has moved, with the unread count it computed, and tells
   * every device. If this inbox counted entries the room's answer did not see, it asks again.
   */
  async applyRead(roomId: string, standing: ReadStanding): Promise<{ unread: number; readSeq: number } | null> {
    let result = this.store.applyRead(roomId, standing);
    if (result === "stale") {
      const userId = this.userId();
      if (userId) await this.askRooms(userId, [roomId], "peek");
      const row = this.store.room(roomId);
      result = row ? { readSeq: row.read_seq, unread: row.unread } : undefined;
    }
    if (!result) return null;
    this.broadcast({ type: "unread", roomId, unread: result.unread, readSeq: result.readSeq });
    return result;
  }

  /** The user joined a room, or their role changed. (A rebuild, if one is due, merges later.) */
  async joined(membership: InboxMembership): Promise<void> {
    this.store.upsertMembership(membership, Date.now());
    // A listening inbox hears the new room's rounds from now on.
    const userId = this.userId();
    if (this.caughtUp && userId) await this.askRooms(userId, [membership.roomId], "attach");
  }

  /** The user left a room (or was removed): it leaves the list; late deliveries are ignored. */
  async left(roomId: string): Promise<void> {
    if (this.store.markLeft(roomId)) this.broadcast({ type: "left", roomId });
  }

  /** A page of the user's rooms, most recent activity first, each with the user's settings for it. */
  async rooms(
    userId: string,
    limit: number,
    after?: InboxCursor,
  ): Promise<{ items: MyInboxRoom[]; next: InboxCursor | undefined }> {
    await this.ensureBuilt(userId);
    await this.ensureListening(userId);
    const { rooms, next } = this.store.page(limit, after);
    return { items: rooms.map((room) => ({ ...room, settings: this.roomSettings.get(room.id) })), next };
  }

  /** The user's notification settings for `roomId` (the Worker has checked membership). */
  async getRoomSettings(roomId: string): Promise<RoomSettings> {
    return this.roomSettings.get(roomId);
  }

  /** Replaces the user's notification settings for `roomId` and tells every device; returns them. */
  async setRoomSettings(roomId: string, settings: RoomSettings): Promise<RoomSettings> {
    const stored = this.roomSettings.set(roomId, settings);
    this.broadcast({ type: "settings", roomId, settings: stored });
    return stored;
  }

  /**
   * Adds a push subscription (or refreshes one with the same endpoint). Pushes need rounds, so
   * the inbox of `userId` (the caller) listens to all its rooms from now on.
   */
  async addPushSubscription(
    sub: { endpoint: string; p256dh: string; auth: string },
    userId?: string,
  ): Promise<PushSubscriptionRow> {
    const row = this.store.addSubscription({ id: crypto.randomUUID(), ...sub }, Date.now(), MAX_SUBSCRIPTIONS);
    this.hasSubscriptions = true;
    if (userId) {
      await this.ensureBuilt(userId);
      await this.ensureListening(userId);
    }
    return row;
  }

  async pushSubscriptions(): Promise<PushSubscriptionRow[]> {
    return this.store.subscriptions();
  }

  async removePushSubscription(id: string): Promise<boolean> {
    this.hasSubscriptions = undefined;
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

  /** Tests and benchmarks: counters since the object started, and whether it listens now. */
  async stats(): Promise<InboxStats> {
    return { ...this.counts, pushes: this.store.counters().pushes, listening: this.listening(Date.now()) };
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
      await this.applyRead(frame.roomId, result);
    } catch (err) {
      this.log.error("inbox read failed", { error: String(err) });
      sendFrame(ws, errorFrame("internal_error", "Something went wrong on our side."));
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    answerClose(ws, code);
    this.budgets.drop(ws);
    // A device that drops and comes back within the linger finds the inbox still current.
    this.lingerUntil = Math.max(this.lingerUntil, Date.now() + this.settings.inboxLingerMs);
    untrackIfIdle(this.ctx);
  }

  // ---------------------------------------------------------------- helpers

  private scheduleFlush(): void {
    if (this.flushTimer !== undefined || this.store.stagedCount === 0) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.store.flush();
    }, FLUSH_AFTER_MS);
  }

  /** Whether rounds are wanted now: a device, a recent room-list read, or someone to push to. */
  private listening(now: number): boolean {
    if (this.ctx.getWebSockets().length > 0 || now < this.lingerUntil) return true;
    if (!this.settings.vapid) return false;
    this.hasSubscriptions ??= this.store.subscriptions().length > 0;
    return this.hasSubscriptions;
  }

  /** Makes every room on the list send its rounds here, taking where the user stands from each first. */
  private async ensureListening(userId: string): Promise<void> {
    // Rounds that arrive while the rooms are asked are wanted (the answer must not stop them).
    this.lingerUntil = Math.max(this.lingerUntil, Date.now() + this.settings.inboxLingerMs);
    if (this.caughtUp) return;
    this.catching ??= this.askRooms(userId, this.store.memberRoomIds(CATCH_UP_ROOMS), "attach")
      .then(() => {
        this.caughtUp = true;
      })
      .finally(() => {
        this.catching = undefined;
      });
    await this.catching;
  }

  private async askRooms(userId: string, roomIds: string[], mode: "attach" | "peek"): Promise<void> {
    this.counts.roomCalls += roomIds.length;
    await catchUp(this.env, this.store, userId, roomIds, mode);
  }

  /** The user this inbox belongs to, from a connected device or the store (set by the first call that names it). */
  private userId(): string | undefined {
    return this.store.owner();
  }

  private async ensureBuilt(userId: string): Promise<void> {
    this.store.rememberOwner(userId);
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

  /**
   * Frames for the devices, and a push when no device is connected and no session watches the
   * room. After a gap was filled, `unread` goes out whatever changed (the room's count replaced the inbox's).
   */
  private announce(userId: string, delivery: InboxDelivery, applied: Applied, filled: boolean): void {
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
    const row = filled ? this.store.room(delivery.room.id) : undefined;
    const unread = applied.unread ?? (row ? { count: row.unread, readSeq: row.read_seq } : undefined);
    if (unread)
      this.broadcast({ type: "unread", roomId: delivery.room.id, unread: unread.count, readSeq: unread.readSeq });
    if (!applied.notable || sockets.length > 0 || delivery.watching.length > 0) return;
    const settings = this.roomSettings.get(delivery.room.id);
    const pushed = messageToPush(settings, userId, applied.notable, applied.entries, Date.now());
    if (!pushed) return;
    this.pushAll(noticeOf(pushed, unread?.count ?? 0)).catch((err: unknown) =>
      this.log.warn("push failed", { error: String(err) }),
    );
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

// My inbox socket: one per device, for unread counts across all my rooms, messages of rooms I
// am not watching, edits/deletes, rooms I left, and my tasks' status changes. It has no
// replay: every (re)connection starts with a `welcome` frame holding where I stand in each
// room, so counts are never stale after a reconnect.
import { Emitter } from "./emitter";
import type { InboxClientFrame, InboxServerFrame, Message, RoomChangeFrame, RoomSettings, Task } from "./frames";
import { type ConnectionState, LiveSocket } from "./live-socket";
import type { Session } from "./session";

export interface RoomStanding {
  roomId: string;
  unread: number;
  readSeq: number;
  lastSeq: number;
}

type InboxHandlers = {
  /** After every (re)connection: my standing in up to 500 rooms, newest activity first. */
  welcome: (rooms: RoomStanding[]) => void;
  unread: (info: { roomId: string; unread: number; readSeq?: number }) => void;
  message: (message: Message) => void;
  change: (change: RoomChangeFrame) => void;
  left: (roomId: string) => void;
  /** My notification settings for a room changed (on any device). */
  settings: (info: { roomId: string; settings: RoomSettings }) => void;
  task: (task: Task) => void;
  error: (error: { code: string; detail: string }) => void;
  state: (state: ConnectionState) => void;
  ended: (code: number, reason: string) => void;
};

export interface InboxConnectionOptions {
  url: string;
  session: Session;
  onConnectFailed?: (failures: number) => void;
  WebSocket?: typeof WebSocket;
}

/** The inbox socket. Call `close()` when signing out. */
export class InboxConnection extends Emitter<InboxHandlers> {
  private readonly socket: LiveSocket;

  constructor(options: InboxConnectionOptions) {
    super();
    this.socket = new LiveSocket({
      session: options.session,
      ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
      ...(options.onConnectFailed ? { onConnectFailed: options.onConnectFailed } : {}),
      url: () => options.url,
      onFrame: (frame) => this.handle(frame as InboxServerFrame),
      onState: (state) => this.emit("state", state),
      onEnded: (code, reason) => this.emit("ended", code, reason),
    });
  }

  get state(): ConnectionState {
    return this.socket.state;
  }

  /** Marks a room read up to `seq` (every device gets the new count). False when not connected. */
  markRead(roomId: string, seq: number): boolean {
    return this.socket.send({ type: "read", roomId, seq } satisfies InboxClientFrame);
  }

  close(): void {
    this.socket.close();
  }

  private handle(frame: InboxServerFrame): void {
    switch (frame.type) {
      case "welcome":
        return this.emit("welcome", frame.rooms);
      case "unread":
        return this.emit("unread", {
          roomId: frame.roomId,
          unread: frame.unread,
          ...(frame.readSeq !== undefined ? { readSeq: frame.readSeq } : {}),
        });
      case "message":
        return this.emit("message", frame.message);
      case "edited":
      case "deleted":
        return this.emit("change", frame);
      case "left":
        return this.emit("left", frame.roomId);
      case "settings":
        return this.emit("settings", { roomId: frame.roomId, settings: frame.settings });
      case "task":
        return this.emit("task", frame.task as unknown as Task);
      case "error":
        return this.emit("error", { code: frame.code, detail: frame.detail });
    }
  }
}

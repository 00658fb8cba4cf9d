// Types shared by the Worker and the Room object: kinds, roles, and the Room's RPC results.
import type { Message } from "./protocol";

export type RoomKind = "channel" | "group" | "direct";
/** `moderator`: mutes and bans members and removes their messages (docs/decisions/0074). */
export type MemberRole = "owner" | "admin" | "moderator" | "member";

/** A member as the Worker hands it to the room. */
export interface RoomMember {
  userId: string;
  role: MemberRole;
}

/** Who sends a message (verified by the Worker). */
export interface Sender {
  userId: string;
  username: string;
}

/** Why a room refused a request made through RPC. */
export interface RoomRefusal {
  ok: false;
  code:
    | "not_member"
    | "body_too_long"
    | "body_empty"
    | "rate_limited"
    | "seq_ahead"
    | "blocked"
    | "message_not_found"
    | "not_sender"
    | "message_deleted"
    | "edit_window_closed"
    | "muted"
    | "bad_emoji"
    | "too_many_reactions";
  detail: string;
  /** With `muted`: when the mute ends (ISO time). */
  until?: string;
  /** With `rate_limited`: seconds until the sender may send again. */
  retryAfter?: number;
}

/** The result of `Room.post`: the stored message, and whether this call created it. */
export type PostResult = { ok: true; message: Message; created: boolean } | RoomRefusal;

/** A page of the messages a room still keeps, with the bounds of its window. */
export interface RecentMessages {
  items: Message[];
  /** Every seq <= floorSeq has left the room (it is in the D1 archive). */
  floorSeq: number;
  lastSeq: number;
}

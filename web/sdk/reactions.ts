// Reactions in a client's copy of a room: apply a `reaction` frame to a message, or my own
// change before the server answers. Pure functions; the HTTP calls are PlazaClient's.
import type { Message, ReactionFrame, ReactionSummary } from "./frames";

/**
 * `message` with one emoji's count set (the server's count from a frame); `me` follows the
 * frame when it is my own change, else it is kept. A count of 0 drops the emoji.
 */
export function applyReaction(message: Message, frame: ReactionFrame, myUserId: string): Message {
  if (message.seq !== frame.seq) return message;
  const list = message.reactions ?? [];
  const known = list.find((r) => r.emoji === frame.emoji);
  const me = frame.userId === myUserId ? frame.op === "add" : (known?.me ?? false);
  const next: ReactionSummary[] = known
    ? list.map((r) => (r.emoji === frame.emoji ? { ...r, count: frame.count, me } : r))
    : [...list, { emoji: frame.emoji, count: frame.count, me }];
  const kept = next.filter((r) => r.count > 0);
  const { reactions: _, ...rest } = message;
  return kept.length > 0 ? { ...rest, reactions: kept } : rest;
}

/** Whether I reacted to `message` with `emoji` (to choose between react and unreact). */
export function reactedWith(message: Message, emoji: string): boolean {
  return message.reactions?.some((r) => r.emoji === emoji && r.me) ?? false;
}

// Which new message of a round may be pushed, under the member's settings for the room
// (decision 0086): nothing while muted or with `none`; with `mentions`, only a message whose
// `mentions` names the member (mentions are resolved at send time by the room; a message
// without the field mentions nobody); with `all`, the newest new message from someone else.
import type { RoomSettings } from "../../src/protocol/inbox";
import type { Message, RoomEntry } from "../../src/protocol/protocol";

/** True while `muteUntil` is in the future. */
export function isMuted(settings: RoomSettings, now: number): boolean {
  return settings.muteUntil !== null && Date.parse(settings.muteUntil) > now;
}

/** The user ids a message mentions (none when the message has no `mentions` field). */
export function mentionsOf(message: Message): readonly unknown[] {
  const mentions: unknown = (message as { mentions?: unknown }).mentions;
  return Array.isArray(mentions) ? mentions : [];
}

/**
 * The message to push for a round, or undefined. `notable` is the round's newest new message
 * from someone else; `entries` are the round's new entries (for a mention earlier in the round).
 */
export function messageToPush(
  settings: RoomSettings,
  userId: string,
  notable: Message | undefined,
  entries: readonly RoomEntry[],
  now: number,
): Message | undefined {
  if (!notable || settings.notify === "none" || isMuted(settings, now)) return undefined;
  if (settings.notify === "all") return notable;
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i];
    if (entry?.type !== "message") continue;
    const message = entry.message;
    if (message.sender.id !== userId && !message.deletedAt && mentionsOf(message).includes(userId)) return message;
  }
  return undefined;
}

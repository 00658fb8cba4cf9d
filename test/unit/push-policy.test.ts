// Which message a round may push under the member's room settings (decision 0086).
import { describe, expect, it } from "vitest";
import { isMuted, messageToPush } from "../../durable/inbox/push-policy";
import type { RoomSettings } from "../../src/protocol/inbox";
import type { Message, RoomEntry } from "../../src/protocol/protocol";

const me = "01936b2e-8f5c-7a3e-9b1d-000000000001";
const other = "01936b2e-8f5c-7a3e-9b1d-000000000002";
const now = Date.parse("2026-12-05T12:00:00.000Z");

function message(seq: number, extra: Partial<Message> & { mentions?: string[] } = {}): Message {
  return {
    id: `01936b2e-8f5c-7a3e-9b1d-${String(seq).padStart(12, "0")}`,
    roomId: "01936b2e-8f5c-7a3e-9b1d-2f4a6c8e0b1d",
    seq,
    clientMsgId: `c${seq}`,
    sender: { id: other, username: "alice" },
    body: `hello ${seq}`,
    createdAt: "2026-12-05T11:59:00.000Z",
    ...extra,
  };
}

const entries = (...messages: Message[]): RoomEntry[] => messages.map((m) => ({ type: "message", message: m }));
const settings = (notify: RoomSettings["notify"], muteUntil: string | null = null): RoomSettings => ({
  notify,
  muteUntil,
});

describe("messageToPush", () => {
  const plain = message(1);
  const mentioning = message(2, { mentions: [me] });

  it("pushes the newest message with all, nothing with none", () => {
    expect(messageToPush(settings("all"), me, plain, entries(plain), now)).toBe(plain);
    expect(messageToPush(settings("none"), me, plain, entries(plain), now)).toBeUndefined();
    expect(messageToPush(settings("all"), me, undefined, [], now)).toBeUndefined();
  });

  it("with mentions, pushes only a message whose mentions name me (the newest such one of the round)", () => {
    expect(messageToPush(settings("mentions"), me, plain, entries(plain), now)).toBeUndefined();
    const later = message(3);
    expect(messageToPush(settings("mentions"), me, later, entries(plain, mentioning, later), now)).toBe(mentioning);
    const someoneElse = message(4, { mentions: [other] });
    expect(messageToPush(settings("mentions"), me, someoneElse, entries(someoneElse), now)).toBeUndefined();
    const deleted = message(5, { mentions: [me], deletedAt: "2026-12-05T11:59:30.000Z" });
    expect(messageToPush(settings("mentions"), me, plain, entries(plain, deleted), now)).toBeUndefined();
  });

  it("pushes nothing while muted, whatever the level; an ended mute does not count", () => {
    const future = new Date(now + 1).toISOString();
    const past = new Date(now - 1).toISOString();
    expect(isMuted(settings("all", future), now)).toBe(true);
    expect(isMuted(settings("all", past), now)).toBe(false);
    expect(messageToPush(settings("all", future), me, plain, entries(plain), now)).toBeUndefined();
    expect(messageToPush(settings("mentions", future), me, mentioning, entries(mentioning), now)).toBeUndefined();
    expect(messageToPush(settings("all", past), me, plain, entries(plain), now)).toBe(plain);
  });
});

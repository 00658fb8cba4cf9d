// A new room socket's first frames: `welcome`, then the replay of every log entry after
// `since` (messages, and im edits/deletes), all sent before the caller returns: no other
// event can run in between, so live entries follow with no gap and no duplicate.
import { entrySeq } from "../../src/protocol/protocol";
import { sendFrame } from "../sockets/connection";
import type { RoomReactions } from "./reactions";
import type { RoomStore } from "./storage";

const REPLAY_CHUNK = 500;

/**
 * Sends `welcome` and the replay (or a `resync` saying why it cannot replay). Replayed
 * messages carry their current `reactions` as `me.userId` sees them.
 */
export function welcomeAndReplay(
  ws: WebSocket,
  store: RoomStore,
  reactions: RoomReactions,
  me: { userId: string; online: string[]; readSeq: number },
  params: URLSearchParams,
  replayLimit: number,
): void {
  const { roomId, lastSeq, floorSeq, epoch } = store.state;
  sendFrame(ws, { type: "welcome", roomId: roomId ?? "", seq: lastSeq, epoch, online: me.online, readSeq: me.readSeq });
  const sinceText = params.get("since");
  if (sinceText === null) return;
  const since = Number(sinceText);
  const clientEpoch = params.get("epoch");
  let reason: string | undefined;
  if (!Number.isSafeInteger(since) || since < 0) reason = "bad_since";
  else if (clientEpoch !== null && clientEpoch !== epoch) reason = "epoch_changed";
  else if (since > lastSeq) reason = "ahead_of_log";
  else if (since < floorSeq) reason = "trimmed";
  else if (lastSeq - since > replayLimit) reason = "too_far_behind";
  if (reason) {
    sendFrame(ws, { type: "resync", reason });
    return;
  }
  for (let after = since; after < lastSeq; ) {
    const chunk = store.entriesAfter(after, REPLAY_CHUNK);
    const last = chunk.at(-1);
    if (!last) break;
    for (const entry of reactions.decorateEntries(chunk, me.userId)) sendFrame(ws, entry);
    after = entrySeq(last);
  }
}

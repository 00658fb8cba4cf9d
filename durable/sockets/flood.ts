// What a socket hears when it sends too much: an error frame naming when to try again, and
// past a second burst owed, a close with 4029 whose reason carries the same `retryAfter`.
import { CloseCode } from "../../src/protocol/identity";
import { count } from "../../src/metrics";
import { errorFrame } from "../../src/protocol/protocol";
import { closeSocket, sendFrame } from "./connection";
import type { RateVerdict, SendBucket } from "./rate";

/**
 * Applies a verdict other than "allow" to `ws`: "reject" answers an error frame, "close"
 * sends that frame and closes the socket. `clientMsgId` names the refused send, if it was one.
 */
export function refuseFlood(
  ws: WebSocket,
  verdict: Exclude<RateVerdict, "allow">,
  bucket: SendBucket,
  now: number,
  clientMsgId?: string,
): void {
  count("plaza_rate_limited_total", { surface: "socket", where: verdict });
  const retryAfter = Math.max(1, bucket.retryAfterSeconds(now));
  const extra = clientMsgId === undefined ? { retryAfter } : { clientMsgId, retryAfter };
  sendFrame(ws, errorFrame("rate_limited", `Too many frames; retry after ${retryAfter} s.`, extra));
  if (verdict === "close") closeSocket(ws, CloseCode.rateLimited, floodCloseReason(retryAfter));
}

/** The close reason of a flooder: machine-readable, `retryAfter=<seconds>`. */
export function floodCloseReason(retryAfter: number): string {
  return `rate_limited; retryAfter=${retryAfter}`;
}

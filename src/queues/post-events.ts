// EVENTS consumer for `post.*` events: validates each message, folds the batch per post
// and writes it to D1 in one transaction. Invalid messages are dead-lettered at once; a
// failed write retries the whole share of the batch (the write is all-or-nothing and
// idempotent, so a retry applies each event exactly once).
import { describeError } from "../lib/log";
import { applyPostEvents, foldPostEvents } from "../services/post-counters";
import { POST_EVENT_TYPES, PostEventSchema, type PostEvent } from "../protocol/feed-events";
import { deadLetter } from "./dead-letter";
import type { EventConsumer } from "./events";

export const postEventsConsumer: EventConsumer = {
  types: POST_EVENT_TYPES,
  async consume(messages, { env, db, log }) {
    const accepted: { message: Message<unknown>; event: PostEvent }[] = [];
    for (const message of messages) {
      const parsed = PostEventSchema.safeParse(message.body);
      if (parsed.success) accepted.push({ message, event: parsed.data });
      else await deadLetter(env.EVENTS_DLQ, message, "invalid post event", log);
    }
    if (accepted.length === 0) return;
    const folded = foldPostEvents(accepted.map((a) => a.event));
    try {
      await applyPostEvents(db, folded);
    } catch (err) {
      log.error("post events not applied; retrying", { events: accepted.length, ...describeError(err) });
      for (const { message } of accepted) message.retry();
      return;
    }
    for (const { message } of accepted) message.ack();
    log.info("post events applied", {
      events: accepted.length,
      views: folded.views.length,
      likedPosts: folded.likedPosts.length,
      commentedPosts: folded.commentedPosts.length,
    });
  },
};

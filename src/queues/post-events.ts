// EVENTS consumer for `post.*` events: validates each message, folds the batch per post
// and writes it to D1 in one transaction, then writes the touched posts' live state to KV. Invalid messages are dead-lettered at once; a
// failed write retries the whole share of the batch (the write is all-or-nothing and
// idempotent, so a retry applies each event exactly once).
import { describeError } from "../lib/log";
import { openSession } from "../db/session";
import { applyPostEvents, foldPostEvents, touchedPosts } from "../services/post-counters";
import { applyNotifications } from "../services/notification-writes";
import { liveStatesOf, publishLive } from "../services/post-live";
import { POST_EVENT_TYPES, PostEventSchema, type PostEvent } from "../protocol/feed-events";
import { deadLetter } from "./dead-letter";
import type { EventConsumer } from "./events";

export const postEventsConsumer: EventConsumer = {
  types: POST_EVENT_TYPES,
  async consume(messages, { env, log }) {
    const accepted: { message: Message<unknown>; event: PostEvent }[] = [];
    for (const message of messages) {
      const parsed = PostEventSchema.safeParse(message.body);
      if (parsed.success) accepted.push({ message, event: parsed.data });
      else await deadLetter(env.EVENTS_DLQ, message, "invalid post event", log);
    }
    if (accepted.length === 0) return;
    const folded = foldPostEvents(accepted.map((a) => a.event));
    // A primary session, so the bookmark after the batch stamps the states it read (decision 0075).
    const session = openSession(env.DB, "first-primary");
    let liveRows: D1Result | undefined;
    let notificationGroups = 0;
    try {
      liveRows = await applyPostEvents(session.db, folded);
      // Before the ack: a failure retries the batch, and both writes are idempotent.
      notificationGroups = await applyNotifications(
        session.db,
        accepted.map((a) => a.event),
      );
    } catch (err) {
      log.error("post events not applied; retrying", { events: accepted.length, ...describeError(err) });
      for (const { message } of accepted) message.retry();
      return;
    }
    for (const { message } of accepted) message.ack();
    // The applied counters go to KV for every isolate's next refresh; a failed write only
    // delays them (readers fall back to D1 when the entry is missing or expired).
    const states = liveStatesOf(touchedPosts(folded), liveRows, session.bookmark());
    for (const [id, state] of states) if (state.version === 0) states.delete(id);
    await publishLive(env.CACHE, states).catch((err: unknown) =>
      log.warn("post live states not cached", { posts: states.size, ...describeError(err) }),
    );
    log.info("post events applied", {
      events: accepted.length,
      views: folded.views.length,
      likedPosts: folded.likedPosts.length,
      commentedPosts: folded.commentedPosts.length,
      notificationGroups,
    });
  },
};

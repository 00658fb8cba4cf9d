// Emitting feed events to the EVENTS queue (src/protocol/feed-events.ts).
import { newId } from "../lib/ids";
import type { PostEvent } from "../protocol/feed-events";

type EventFields<T extends PostEvent["type"]> = Omit<Extract<PostEvent, { type: T }>, "type" | "id" | "at">;

/** A new event of `type` with a fresh unique id. */
export function postEvent<T extends PostEvent["type"]>(type: T, fields: EventFields<T>): PostEvent {
  return { type, id: newId(), at: Date.now(), ...fields } as unknown as PostEvent;
}

/** Sends one event; resolves once the queue has accepted it. */
export async function emitPostEvent(queue: Queue, event: PostEvent): Promise<void> {
  await queue.send(event, { contentType: "json" });
}

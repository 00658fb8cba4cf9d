// Moderating a room from its messages (the room's owner and admins, and site moderators):
// remove a message, mute its sender for an hour, or ban them from the room.
import { useState } from "preact/hooks";
import { client } from "./live";
import { ErrorMessage } from "./ui";

const HOUR_MS = 3_600_000;

export function ModerateMessage({
  roomId,
  seq,
  senderId,
  sender,
}: {
  roomId: string;
  seq: number;
  senderId: string;
  sender: string;
}) {
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const act = async (what: string, run: () => Promise<unknown>) => {
    setError(null);
    try {
      await run();
      setDone(what);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <span class="msg-actions">
      <button
        type="button"
        class="link"
        aria-label={`Remove message ${seq}`}
        onClick={() => void act("Removed", () => client.moderation.deleteMessage(roomId, seq))}
      >
        Remove
      </button>
      <button
        type="button"
        class="link"
        aria-label={`Mute ${sender} for an hour`}
        onClick={() =>
          void act(`${sender} muted for an hour`, () =>
            client.moderation.muteInRoom(roomId, senderId, new Date(Date.now() + HOUR_MS).toISOString()),
          )
        }
      >
        Mute 1 h
      </button>
      <button
        type="button"
        class="link"
        aria-label={`Ban ${sender} from this room`}
        onClick={() => void act(`${sender} banned`, () => client.moderation.banFromRoom(roomId, senderId))}
      >
        Ban
      </button>
      {done && (
        <span class="muted" role="status">
          {done}
        </span>
      )}
      <ErrorMessage error={error} />
    </span>
  );
}

// My notification settings for the open room (issue 16, decision 0086): push every message,
// only mentions, or nothing, and a mute for a while. Muting never hides unread counts.
import { useState } from "preact/hooks";
import type { MyRoom, RoomSettings } from "../sdk";
import { client, setRoomSettingsLocally } from "./live";
import { ErrorMessage } from "./ui";

const DEFAULT: RoomSettings = { notify: "all", muteUntil: null };
const MUTE_CHOICES: { label: string; ms: number }[] = [
  { label: "for 1 hour", ms: 3_600_000 },
  { label: "for 8 hours", ms: 8 * 3_600_000 },
  { label: "for 1 day", ms: 24 * 3_600_000 },
  { label: "for 1 week", ms: 7 * 24 * 3_600_000 },
];

/** True while the room's pushes are muted. */
export function isMuted(settings: RoomSettings | undefined, now = Date.now()): boolean {
  return settings?.muteUntil != null && Date.parse(settings.muteUntil) > now;
}

/** The notify and mute selectors of a room's header; `room`: my room list entry (absent until loaded). */
export function RoomNotifySettings({ roomId, room }: { roomId: string; room: MyRoom | undefined }) {
  const settings = room?.settings ?? DEFAULT;
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const muted = isMuted(settings);

  const save = async (next: RoomSettings) => {
    setSaving(true);
    setError(null);
    try {
      setRoomSettingsLocally(roomId, await client.setRoomSettings(roomId, next));
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };

  return (
    <div class="notify-settings row">
      <label>
        <span class="sr-only">Notifications</span>
        <select
          aria-label="Notifications"
          value={settings.notify}
          disabled={saving}
          onChange={(e) => {
            const notify = e.currentTarget.value as RoomSettings["notify"];
            void save({ notify, muteUntil: muted ? settings.muteUntil : null });
          }}
        >
          <option value="all">Notify: all messages</option>
          <option value="mentions">Notify: mentions only</option>
          <option value="none">Notify: nothing</option>
        </select>
      </label>
      <label>
        <span class="sr-only">Mute</span>
        <select
          aria-label="Mute"
          value={muted ? "muted" : "off"}
          disabled={saving}
          onChange={(e) => {
            const value = e.currentTarget.value;
            const ms = Number(value);
            const muteUntil = value === "off" || !Number.isFinite(ms) ? null : new Date(Date.now() + ms).toISOString();
            void save({ notify: settings.notify, muteUntil });
          }}
        >
          <option value="off">Not muted</option>
          {muted && settings.muteUntil && (
            <option value="muted">
              Muted until {new Date(settings.muteUntil).toLocaleString([], { dateStyle: "short", timeStyle: "short" })}
            </option>
          )}
          {MUTE_CHOICES.map((c) => (
            <option key={c.ms} value={String(c.ms)}>
              Mute {c.label}
            </option>
          ))}
        </select>
      </label>
      <ErrorMessage error={error} />
    </div>
  );
}

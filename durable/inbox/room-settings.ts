// Per-room notification settings of the inbox's user (decision 0086): one row per room whose
// settings differ from the default (notify all, not muted), held in memory after the first read.
// Rows outlive leaving a room, so a member who comes back keeps their choice.
import { DEFAULT_ROOM_SETTINGS, type NotifyLevel, type RoomSettings } from "../../src/protocol/inbox";
import type { MeteredSql } from "../sql-meter";

interface SettingsRow extends Record<string, SqlStorageValue> {
  room_id: string;
  notify: string;
  mute_until: number | null;
}

const LEVELS: readonly NotifyLevel[] = ["all", "mentions", "none"];

const SCHEMA =
  "CREATE TABLE IF NOT EXISTS room_settings (room_id TEXT PRIMARY KEY, notify TEXT NOT NULL, mute_until INTEGER)";

function fromRow(row: SettingsRow): RoomSettings {
  const notify = LEVELS.find((level) => level === row.notify) ?? "all";
  return { notify, muteUntil: row.mute_until === null ? null : new Date(row.mute_until).toISOString() };
}

export class RoomSettingsStore {
  #cache: Map<string, RoomSettings> | undefined;

  constructor(private readonly sql: MeteredSql) {
    sql.exec(SCHEMA);
  }

  /** The settings of `roomId` (the default when never set). */
  get(roomId: string): RoomSettings {
    return this.all().get(roomId) ?? DEFAULT_ROOM_SETTINGS;
  }

  /** Replaces the settings of `roomId`; the default removes the row. */
  set(roomId: string, settings: RoomSettings): RoomSettings {
    const muteUntil = settings.muteUntil === null ? null : Date.parse(settings.muteUntil);
    if (settings.notify === "all" && muteUntil === null) {
      this.sql.exec("DELETE FROM room_settings WHERE room_id = ?", roomId);
      this.all().delete(roomId);
      return DEFAULT_ROOM_SETTINGS;
    }
    this.sql.exec(
      `INSERT INTO room_settings (room_id, notify, mute_until) VALUES (?, ?, ?)
       ON CONFLICT (room_id) DO UPDATE SET notify = excluded.notify, mute_until = excluded.mute_until`,
      roomId,
      settings.notify,
      muteUntil,
    );
    const stored = fromRow({ room_id: roomId, notify: settings.notify, mute_until: muteUntil });
    this.all().set(roomId, stored);
    return stored;
  }

  private all(): Map<string, RoomSettings> {
    this.#cache ??= new Map(
      this.sql
        .exec<SettingsRow>("SELECT room_id, notify, mute_until FROM room_settings")
        .toArray()
        .map((row) => [row.room_id, fromRow(row)]),
    );
    return this.#cache;
  }
}

// My rooms with live unread badges, public channels to join, and forms to start a channel,
// a group or a direct conversation.
import { useEffect, useState } from "preact/hooks";
import { type MyRoom, type Room, unwrap } from "../sdk";
import { client, refreshRooms, rooms } from "./live";
import { isMuted } from "./room-settings";
import { href, navigate } from "./router";
import { useStore } from "./store";
import { ErrorMessage, Section, TimeAgo } from "./ui";

const KIND_LABEL: Record<MyRoom["kind"], string> = { channel: "Channel", group: "Group", direct: "Direct message" };

/** The rooms screen. */
export function RoomsScreen() {
  const list = useStore(rooms);
  useEffect(() => void refreshRooms(), []);
  return (
    <main id="main" class="rooms">
      <h1>Rooms</h1>
      <Section title="My rooms">
        {list.length === 0 ? (
          <p class="muted">No rooms yet: join a channel or start a conversation below.</p>
        ) : (
          <RoomList rooms={list} />
        )}
      </Section>
      <StartConversation />
      <PublicChannels mine={new Set(list.map((r) => r.id))} />
    </main>
  );
}

/** A room's name as shown: a direct room is named after the other person. */
export function roomTitle(room: Pick<Room, "kind" | "name">): string {
  return room.kind === "channel" ? `#${room.name}` : room.name;
}

/** My rooms, newest activity first; each with its unread badge. */
export function RoomList({ rooms: list, current }: { rooms: MyRoom[]; current?: string }) {
  return (
    <ul class="room-list" aria-label="My rooms">
      {list.map((room) => (
        <li key={room.id}>
          <a
            href={href({ name: "room", id: room.id })}
            aria-current={room.id === current ? "page" : undefined}
            data-room-id={room.id}
          >
            <span class="room-name">
              {roomTitle(room)} <span class="muted kind">{KIND_LABEL[room.kind]}</span>
              {(room.settings.notify !== "all" || isMuted(room.settings)) && (
                <span class="muted quiet" aria-label="Notifications reduced" title="Notifications reduced">
                  {" "}
                  · quiet
                </span>
              )}
            </span>
            {room.unread > 0 && (
              <span class="badge" aria-label={`${room.unread} unread`} data-unread={room.unread}>
                {room.unread > 99 ? "99+" : room.unread}
              </span>
            )}
            {room.lastMessage && (
              <span class="preview muted">
                {room.lastMessage.sender.username}:{" "}
                {room.lastMessage.deletedAt ? "(deleted)" : room.lastMessage.body.slice(0, 80)} ·{" "}
                <TimeAgo iso={room.lastMessage.createdAt} />
              </span>
            )}
          </a>
        </li>
      ))}
    </ul>
  );
}

async function userIdsByName(names: string[]): Promise<string[]> {
  return Promise.all(
    names.map(
      async (username) =>
        (await unwrap(client.api.GET("/v1/usernames/{username}", { params: { path: { username } } }))).id,
    ),
  );
}

function StartConversation() {
  const [kind, setKind] = useState<"direct" | "channel" | "group">("direct");
  const [name, setName] = useState("");
  const [members, setMembers] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      let room: Room;
      if (kind === "direct") {
        const [userId] = await userIdsByName([name.trim().toLowerCase()]);
        room = await unwrap(client.api.POST("/v1/rooms/direct", { body: { userId: userId! } }));
      } else {
        const names = members
          .split(/[\s,]+/)
          .map((m) => m.replace(/^@/, "").toLowerCase())
          .filter(Boolean);
        const memberIds = kind === "group" ? await userIdsByName(names) : [];
        room = await unwrap(
          client.api.POST("/v1/rooms", { body: { kind, name, ...(memberIds.length > 0 ? { memberIds } : {}) } }),
        );
      }
      await refreshRooms();
      navigate({ name: "room", id: room.id });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Section title="Start a conversation">
      <form onSubmit={submit} class="stack">
        <fieldset class="row">
          <legend>Kind</legend>
          {(["direct", "channel", "group"] as const).map((k) => (
            <label key={k} class="choice">
              <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} />
              {k === "direct" ? "Direct message" : k === "channel" ? "Public channel" : "Private group"}
            </label>
          ))}
        </fieldset>
        <label>
          {kind === "direct" ? "Username" : "Name"}
          <input
            value={name}
            required
            onInput={(e) => setName(e.currentTarget.value)}
            maxLength={100}
            placeholder={kind === "direct" ? "e.g. bob" : kind === "channel" ? "e.g. general" : "e.g. weekend plans"}
          />
        </label>
        {kind === "group" && (
          <label>
            Members (usernames, comma-separated)
            <input value={members} onInput={(e) => setMembers(e.currentTarget.value)} placeholder="bob, carol" />
          </label>
        )}
        <ErrorMessage error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {kind === "direct" ? "Open conversation" : "Create"}
        </button>
      </form>
    </Section>
  );
}

function PublicChannels({ mine }: { mine: Set<string> }) {
  const [channels, setChannels] = useState<Room[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = async (after: string | null) => {
    try {
      const page = await unwrap(
        client.api.GET("/v1/rooms/public", { params: { query: { limit: 20, ...(after ? { cursor: after } : {}) } } }),
      );
      setChannels((old) => [...(after ? old : []), ...page.items]);
      setCursor(page.nextCursor);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => void load(null), []);

  const join = async (room: Room) => {
    setError(null);
    try {
      await unwrap(client.api.POST("/v1/rooms/{id}/join", { params: { path: { id: room.id } } }));
      await refreshRooms();
      navigate({ name: "room", id: room.id });
    } catch (err) {
      setError(err);
    }
  };

  return (
    <Section title="Public channels">
      <ul class="room-list" aria-label="Public channels">
        {channels.map((room) => (
          <li key={room.id} class="row">
            <span class="grow">
              {roomTitle(room)} <span class="muted">{room.memberCount} members</span>
            </span>
            {mine.has(room.id) ? (
              <a href={href({ name: "room", id: room.id })}>Open</a>
            ) : (
              <button type="button" onClick={() => void join(room)} aria-label={`Join ${roomTitle(room)}`}>
                Join
              </button>
            )}
          </li>
        ))}
      </ul>
      {cursor && (
        <button type="button" onClick={() => void load(cursor)}>
          More channels
        </button>
      )}
      <ErrorMessage error={error} />
    </Section>
  );
}

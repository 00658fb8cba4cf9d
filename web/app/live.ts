// The signed-in app's shared state: who I am, my rooms with live unread counts (from the
// inbox socket), the inbox socket's connection state, and task changes pushed by the inbox.
import {
  type ConnectionState,
  type InboxConnection,
  localStorageTokenStore,
  type Message,
  type MyRoom,
  PlazaClient,
  type RoomSettings,
  type RoomStanding,
  type Task,
  unwrap,
  type User,
} from "../sdk";
import { Store } from "./store";

export const client = new PlazaClient({ baseUrl: location.origin, tokenStore: localStorageTokenStore() });

export const me = new Store<User | null>(null);
/** The inbox socket's state: the app's "are we live" indicator. */
export const connection = new Store<ConnectionState>("connecting");
/** My rooms, most recent activity first, with exact unread counts. */
export const rooms = new Store<MyRoom[]>([]);
/** The latest task change my inbox reported (the tasks screen merges it). */
export const taskUpdates = new Store<Task | null>(null);
/** The room on screen (its messages come on the room socket, not the inbox). */
export const openRoomId = new Store<string | null>(null);

let inbox: InboxConnection | null = null;
let refreshing: Promise<void> | null = null;

/** Reloads my room list (first 100 rooms), keeping the order the server gives. */
export function refreshRooms(): Promise<void> {
  refreshing ??= unwrap(client.api.GET("/v1/rooms", { params: { query: { limit: 100 } } }))
    .then((page) => rooms.set(page.items))
    .catch(() => undefined)
    .finally(() => (refreshing = null));
  return refreshing;
}

function patchRoom(roomId: string, patch: (room: MyRoom) => MyRoom): boolean {
  let found = false;
  rooms.update((list) =>
    list.map((r) => {
      if (r.id !== roomId) return r;
      found = true;
      return patch(r);
    }),
  );
  return found;
}

/** My settings for a room changed (here, or on another device through the inbox). */
export function setRoomSettingsLocally(roomId: string, settings: RoomSettings): void {
  patchRoom(roomId, (r) => ({ ...r, settings }));
}

function applyStandings(standings: RoomStanding[]): void {
  const byId = new Map(standings.map((s) => [s.roomId, s]));
  rooms.update((list) =>
    list.map((r) => {
      const s = byId.get(r.id);
      return s ? { ...r, unread: s.unread, readSeq: s.readSeq, lastSeq: s.lastSeq } : r;
    }),
  );
}

/** A message of `roomId` (from the inbox or the open room): it becomes the room's last message and the room moves to the top. */
export function noteMessage(message: Message): void {
  const known = patchRoom(message.roomId, (r) => ({
    ...r,
    lastMessage: message,
    lastSeq: Math.max(r.lastSeq, message.seq),
  }));
  if (!known) return void refreshRooms();
  rooms.update((list) => {
    const i = list.findIndex((r) => r.id === message.roomId);
    return i <= 0 ? list : [list[i]!, ...list.slice(0, i), ...list.slice(i + 1)];
  });
}

/** Shows a room as read at once (the server confirms with an `unread` frame on every device). */
export function showRead(roomId: string, seq: number): void {
  patchRoom(roomId, (r) => (seq >= r.lastSeq ? { ...r, unread: 0, readSeq: Math.max(r.readSeq, seq) } : r));
}

/** Starts the live parts once signed in. */
export async function startSession(): Promise<void> {
  const user = await client.me();
  me.set(user);
  if (!user || inbox) return;
  inbox = client.inbox();
  connection.set(inbox.state);
  inbox.on("state", (state) => connection.set(state));
  inbox.on("welcome", (standings) => {
    // A (re)connection: counts are exact now; the list may have missed rooms and last messages.
    applyStandings(standings);
    void refreshRooms().then(() => applyStandings(standings));
  });
  inbox.on("unread", ({ roomId, unread, readSeq }) => {
    const known = patchRoom(roomId, (r) => ({ ...r, unread, ...(readSeq !== undefined ? { readSeq } : {}) }));
    if (!known) void refreshRooms();
  });
  inbox.on("message", noteMessage);
  inbox.on("change", (change) =>
    patchRoom(change.message.roomId, (r) =>
      r.lastMessage?.seq === change.message.seq ? { ...r, lastMessage: change.message } : r,
    ),
  );
  inbox.on("settings", ({ roomId, settings }) => setRoomSettingsLocally(roomId, settings));
  inbox.on("left", (roomId) => rooms.update((list) => list.filter((r) => r.id !== roomId)));
  inbox.on("task", (task) => taskUpdates.set(task));
  await refreshRooms();
}

/** Stops the live parts (signed out). */
export function stopSession(): void {
  inbox?.close();
  inbox = null;
  me.set(null);
  rooms.set([]);
  connection.set("connecting");
}

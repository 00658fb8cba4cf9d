// One room: history (paging back), live messages in seq order, my unsent messages, typing,
// presence, read cursor, edit/delete of my messages, reactions, and member management for groups.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import {
  applyReaction,
  type ConnectionState,
  type Message,
  type PendingMessage,
  type Room,
  type RoomConnection,
  unwrap,
  type User,
} from "../sdk";
import { client, noteMessage, openRoomId, refreshRooms, rooms, showRead } from "./live";
import { rememberName, useUsernames } from "./people";
import { Reactions } from "./reactions";
import { ReportButton } from "./report";
import { ModerateMessage } from "./room-moderation";
import { RoomNotifySettings } from "./room-settings";
import { roomTitle, RoomList } from "./rooms";
import { navigate } from "./router";
import { useStore } from "./store";
import { ConnectionBadge, ErrorMessage, TimeAgo } from "./ui";

const PAGE = 30;
const TYPING_SHOWN_MS = 3_500;

/** Merges messages into a seq-ordered list (a later copy of a seq replaces the earlier one). */
function merge(list: Message[], incoming: Message[]): Message[] {
  const bySeq = new Map(list.map((m) => [m.seq, m]));
  for (const m of incoming) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** The room screen. */
export function RoomScreen({ roomId, me }: { roomId: string; me: User }) {
  const [room, setRoom] = useState<Room | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [pending, setPending] = useState<readonly PendingMessage[]>([]);
  const [online, setOnline] = useState<string[]>([]);
  const [typing, setTyping] = useState<Record<string, number>>({});
  const [state, setState] = useState<ConnectionState>("connecting");
  const [older, setOlder] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const conn = useRef<RoomConnection | null>(null);
  const [connection, setConnection] = useState<RoomConnection | null>(null);
  const logRef = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const myRooms = useStore(rooms);

  useEffect(() => {
    let live = true;
    let readTimer: ReturnType<typeof setTimeout> | undefined;
    setRoom(null);
    setMessages([]);
    setPending([]);
    setError(null);
    setNotice(null);
    stick.current = true;
    openRoomId.set(roomId);

    /** Marks everything delivered as read (when the page is visible). */
    const readNow = () => {
      readTimer = undefined;
      const seq = conn.current?.lastSeq;
      if (seq === undefined || seq === 0 || document.visibilityState !== "visible") return;
      if (conn.current?.markRead(seq)) showRead(roomId, seq);
    };
    /** The same, a little after the last change (one frame for a burst of messages). */
    const readSoon = () => {
      clearTimeout(readTimer);
      readTimer = setTimeout(readNow, 300);
    };
    const latestPage = () =>
      unwrap(client.api.GET("/v1/rooms/{id}/messages", { params: { path: { id: roomId }, query: { limit: PAGE } } }));

    void (async () => {
      try {
        const [info, page] = await Promise.all([
          unwrap(client.api.GET("/v1/rooms/{id}", { params: { path: { id: roomId } } })),
          latestPage(),
        ]);
        if (!live) return;
        setRoom(info);
        setMessages(page.items);
        setOlder(page.nextCursor);
        for (const m of page.items) rememberName(m.sender.id, m.sender.username);
        const c = client.room(roomId, me.id, page.items.at(-1)?.seq ?? 0);
        conn.current = c;
        setConnection(c);
        setState(c.state);
        c.on("state", setState);
        c.on("welcome", () => readSoon());
        c.on("message", (m) => {
          rememberName(m.sender.id, m.sender.username);
          setMessages((old) => merge(old, [m]));
          setTyping((t) => {
            const { [m.sender.id]: _gone, ...rest } = t;
            return rest;
          });
          noteMessage(m);
          readSoon();
        });
        c.on("change", (change) =>
          setMessages((old) => (old.some((m) => m.seq === change.message.seq) ? merge(old, [change.message]) : old)),
        );
        c.on("reaction", (frame) => setMessages((old) => old.map((m) => applyReaction(m, frame, me.id))));
        c.on("outbox", (p) => setPending([...p]));
        c.on("presence", (set) => setOnline([...set]));
        c.on(
          "typing",
          (userId) => userId !== me.id && setTyping((t) => ({ ...t, [userId]: Date.now() + TYPING_SHOWN_MS })),
        );
        c.on("resync", async ({ reason }) => {
          setNotice(`Caught up from the latest messages (${reason.replaceAll("_", " ")}).`);
          try {
            const fresh = await latestPage();
            if (!live) return;
            setMessages((old) =>
              merge(
                old.filter((m) => m.seq > (fresh.items[0]?.seq ?? 0)),
                fresh.items,
              ),
            );
            setOlder(fresh.nextCursor);
          } catch (err) {
            setError(err);
          }
        });
        c.on("error", (e) => setError(new Error(e.detail)));
        c.on("ended", (code) => {
          if (code === 4001) return client.session.clear();
          setNotice("You are no longer a member of this room.");
          void refreshRooms();
        });
      } catch (err) {
        if (live) setError(err);
      }
    })();

    const onVisible = () => document.visibilityState === "visible" && readSoon();
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      live = false;
      // Leaving right after messages arrived: they were on screen, so they count as read.
      if (readTimer !== undefined) {
        clearTimeout(readTimer);
        readNow();
      }
      document.removeEventListener("visibilitychange", onVisible);
      conn.current?.close();
      conn.current = null;
      setConnection(null);
      openRoomId.set(null);
    };
  }, [roomId, me.id]);

  // Typing lines expire.
  useEffect(() => {
    const ids = Object.keys(typing);
    if (ids.length === 0) return;
    const t = setTimeout(
      () => setTyping((old) => Object.fromEntries(Object.entries(old).filter(([, until]) => until > Date.now()))),
      1_000,
    );
    return () => clearTimeout(t);
  }, [typing]);

  // Keep the newest message in view unless the reader scrolled up.
  useLayoutEffect(() => {
    const el = logRef.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [messages, pending]);

  const loadOlder = async () => {
    if (!older) return;
    try {
      const page = await unwrap(
        client.api.GET("/v1/rooms/{id}/messages", {
          params: { path: { id: roomId }, query: { limit: PAGE, cursor: older } },
        }),
      );
      stick.current = false;
      setMessages((old) => merge(old, page.items));
      setOlder(page.nextCursor);
    } catch (err) {
      setError(err);
    }
  };

  const typingNames = useUsernames(Object.keys(typing));
  const onlineNames = useUsernames(online);
  const title = room ? roomTitle(room) : "…";
  const canManage = room?.kind === "group" && (room.role === "owner" || room.role === "admin");
  // ---- moderation: the room's owner, admins and moderators (not of direct rooms) and site moderators.
  const canModerate =
    room?.kind !== "direct" &&
    (room?.role === "owner" || room?.role === "admin" || room?.role === "moderator" || me.role !== "user");

  return (
    <main id="main" class="room-screen">
      <aside class="room-side" aria-label="Rooms">
        <RoomList rooms={myRooms} current={roomId} />
      </aside>
      <section class="chat card" aria-labelledby="room-title">
        <header class="chat-head">
          <div>
            <h1 id="room-title">{title}</h1>
            <p class="muted online" aria-label="Online now">
              {state !== "connected" ? " " : online.length > 0 ? `Online: ${onlineNames.join(", ")}` : "Nobody online"}
            </p>
          </div>
          <div class="row">
            <ConnectionBadge state={state} label="Room connection" />
            <RoomNotifySettings roomId={roomId} room={myRooms.find((r) => r.id === roomId)} />
            {room && room.role !== "owner" && <LeaveButton roomId={roomId} title={title} />}
          </div>
        </header>
        {notice && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        <div class="log-wrap">
          {older && (
            <button type="button" class="older" onClick={() => void loadOlder()}>
              Load older messages
            </button>
          )}
          <div
            class="log"
            ref={logRef}
            role="log"
            aria-label={`Messages in ${title}`}
            aria-live="polite"
            tabIndex={0}
            onScroll={(e) => {
              const el = e.currentTarget;
              stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
            }}
          >
            <ol class="msgs">
              {messages.map((m) => (
                <MessageItem
                  key={m.seq}
                  message={m}
                  mine={m.sender.id === me.id}
                  conn={connection}
                  roomId={roomId}
                  canModerate={canModerate}
                  onError={setError}
                />
              ))}
              {pending.map((p) => (
                <li key={p.clientMsgId} class="msg mine pending" data-pending="true">
                  <span class="who">{me.username}</span> <span class="body">{p.body}</span>{" "}
                  <span class="muted">sending…</span>
                </li>
              ))}
            </ol>
          </div>
        </div>
        <p class="typing muted" aria-live="polite">
          {typingNames.length > 0
            ? `${typingNames.join(", ")} ${typingNames.length === 1 ? "is" : "are"} typing…`
            : " "}
        </p>
        <ErrorMessage error={error} />
        <Composer title={title} conn={connection} onError={setError} />
        {canManage && <AddMember roomId={roomId} />}
      </section>
    </main>
  );
}

function MessageItem({
  message: m,
  mine,
  conn,
  roomId,
  canModerate,
  onError,
}: {
  message: Message;
  mine: boolean;
  conn: RoomConnection | null;
  roomId: string;
  canModerate: boolean;
  onError: (error: unknown) => void;
}) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(m.body);
  const deleted = Boolean(m.deletedAt);
  return (
    <li class={`msg${mine ? " mine" : ""}`} data-seq={m.seq}>
      <span class="who">{m.sender.username}</span>{" "}
      {editing ? (
        <form
          class="row inline"
          onSubmit={(e) => {
            e.preventDefault();
            if (conn?.edit(m.seq, text)) setEditing(false);
          }}
        >
          <label class="grow">
            <span class="sr-only">Edit message</span>
            <input value={text} onInput={(e) => setText(e.currentTarget.value)} required maxLength={4000} />
          </label>
          <button type="submit">Save</button>
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <span class="body">{deleted ? <em class="muted">This message was deleted</em> : m.body}</span>
      )}{" "}
      <span class="meta muted">
        <TimeAgo iso={m.createdAt} />
        {m.editedAt && !deleted ? " · edited" : ""}
      </span>
      {mine && !deleted && !editing && (
        <span class="msg-actions">
          <button
            type="button"
            class="link"
            onClick={() => {
              setText(m.body);
              setEditing(true);
            }}
            aria-label={`Edit message ${m.seq}`}
          >
            Edit
          </button>
          <button type="button" class="link" onClick={() => conn?.delete(m.seq)} aria-label={`Delete message ${m.seq}`}>
            Delete
          </button>
        </span>
      )}
      {!mine && !deleted && (
        <ReportButton target={{ kind: "message", id: String(m.seq), roomId }} what={`message ${m.seq}`} />
      )}
      {!mine && !deleted && canModerate && (
        <ModerateMessage roomId={roomId} seq={m.seq} senderId={m.sender.id} sender={m.sender.username} />
      )}
      {!deleted && <Reactions roomId={roomId} message={m} onError={onError} />}
    </li>
  );
}

function Composer({
  title,
  conn,
  onError,
}: {
  title: string;
  conn: RoomConnection | null;
  onError: (e: unknown) => void;
}) {
  const [text, setText] = useState("");
  const send = () => {
    if (!conn || !text.trim()) return;
    try {
      conn.send(text);
      setText("");
      onError(null);
    } catch (err) {
      onError(err);
    }
  };
  return (
    <form
      class="composer row"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <label class="grow">
        <span class="sr-only">Message {title}</span>
        <textarea
          rows={2}
          value={text}
          placeholder={`Message ${title}`}
          maxLength={4000}
          onInput={(e) => {
            setText(e.currentTarget.value);
            conn?.typing();
          }}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              send();
            }
          }}
        />
      </label>
      <button type="submit" class="primary" disabled={!conn}>
        Send
      </button>
    </form>
  );
}

function LeaveButton({ roomId, title }: { roomId: string; title: string }) {
  const [error, setError] = useState<unknown>(null);
  const leave = async () => {
    if (!confirm(`Leave ${title}?`)) return;
    try {
      await unwrap(client.api.POST("/v1/rooms/{id}/leave", { params: { path: { id: roomId } } }));
      await refreshRooms();
      navigate({ name: "rooms" });
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <button type="button" onClick={() => void leave()}>
        Leave
      </button>
      <ErrorMessage error={error} />
    </>
  );
}

function AddMember({ roomId }: { roomId: string }) {
  const [name, setName] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const add = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setDone(null);
    try {
      const username = name.trim().replace(/^@/, "").toLowerCase();
      const user = await unwrap(client.api.GET("/v1/usernames/{username}", { params: { path: { username } } }));
      await unwrap(
        client.api.POST("/v1/rooms/{id}/members", { params: { path: { id: roomId } }, body: { userId: user.id } }),
      );
      setDone(`${user.username} was added.`);
      setName("");
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="row add-member" onSubmit={add}>
      <label class="grow">
        Add a member
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="username" required />
      </label>
      <button type="submit">Add</button>
      {done && <span role="status">{done}</span>}
      <ErrorMessage error={error} />
    </form>
  );
}

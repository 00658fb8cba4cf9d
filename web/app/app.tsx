// The app shell: sign-in gate, header with navigation, unread total and connection state,
// and the screen for the current route.
import { useEffect, useState } from "preact/hooks";
import { describeError } from "../sdk";
import { AuthScreen } from "./auth";
import { SearchBox, SearchScreen, TagScreen } from "./discovery";
import { FeedScreen } from "./feed";
import { client, connection, me, rooms, startSession, stopSession } from "./live";
import { NotificationBell, NotificationsScreen, startNotifications, stopNotifications } from "./notifications";
import { ModerationScreen } from "./moderation";
import { ProfileScreen } from "./profile";
import { RoomScreen } from "./room";
import { RoomsScreen } from "./rooms";
import { href, type Route, useRoute } from "./router";
import { useStore } from "./store";
import { TasksScreen } from "./tasks";
import { ConnectionBadge } from "./ui";

export function App() {
  const route = useRoute();
  const user = useStore(me);
  const [signedIn, setSignedIn] = useState(client.signedIn);
  const [notice, setNotice] = useState<string | null>(null);
  const [startError, setStartError] = useState<string | null>(null);

  useEffect(() => {
    const offIn = client.on("signedIn", () => setSignedIn(true));
    const offOut = client.on("signedOut", () => {
      stopSession();
      stopNotifications();
      setSignedIn(false);
      setNotice("You are signed out. Sign in again to continue.");
    });
    const offSuspended = client.on("suspended", (until) => {
      stopSession();
      setSignedIn(false);
      setNotice(
        until ? `Your account is suspended until ${new Date(until).toLocaleString()}.` : "Your account is suspended.",
      );
    });
    return () => {
      offIn();
      offOut();
      offSuspended();
    };
  }, []);

  useEffect(() => {
    if (!signedIn) return;
    setNotice(null);
    setStartError(null);
    startSession().catch((err: unknown) => setStartError(describeError(err)));
    startNotifications();
  }, [signedIn]);

  if (!signedIn) return <AuthScreen mode={route.name === "signup" ? "signup" : "login"} notice={notice} />;
  if (!user) {
    return (
      <main id="main" class="auth">
        <p role="status">{startError ? `Could not load your account: ${startError}` : "Loading…"}</p>
        {startError && (
          <button type="button" onClick={() => startSession().catch((e: unknown) => setStartError(describeError(e)))}>
            Try again
          </button>
        )}
      </main>
    );
  }
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <Header route={route} />
      <Screen route={route} />
    </>
  );
}

function Header({ route }: { route: Route }) {
  const user = useStore(me);
  const state = useStore(connection);
  const unread = useStore(rooms).reduce((n, r) => n + r.unread, 0);
  const current = (names: Route["name"][]) => (names.includes(route.name) ? "page" : undefined);
  const [error, setError] = useState<string | null>(null);
  const logout = async () => {
    try {
      await client.logout();
    } catch (err) {
      setError(describeError(err));
    }
  };
  return (
    <header class="top">
      <a href="#/feed" class="brand">
        Plaza
      </a>
      <nav aria-label="Main">
        <a href={href({ name: "feed", tab: "newest" })} aria-current={current(["feed", "user"])}>
          Feed
        </a>
        <a href={href({ name: "rooms" })} aria-current={current(["rooms", "room"])}>
          Rooms
          {unread > 0 && (
            <span class="badge" aria-label={`${unread} unread`} data-total-unread={unread}>
              {unread > 99 ? "99+" : unread}
            </span>
          )}
        </a>
        <a href={href({ name: "tasks" })} aria-current={current(["tasks", "task"])}>
          Tasks
        </a>
        <NotificationBell current={route.name === "notifications"} />
        {user!.role !== "user" && (
          <a href={href({ name: "moderation" })} aria-current={current(["moderation"])}>
            Moderation
          </a>
        )}
      </nav>
      <SearchBox />
      <div class="me row">
        <ConnectionBadge state={state} />
        <a href={href({ name: "user", id: user!.id })} class="muted">
          @{user!.username}
        </a>
        <button type="button" onClick={() => void logout()}>
          Sign out
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </header>
  );
}

function Screen({ route }: { route: Route }) {
  const user = useStore(me)!;
  switch (route.name) {
    case "rooms":
      return <RoomsScreen />;
    case "room":
      return <RoomScreen roomId={route.id} me={user} />;
    case "tasks":
      return <TasksScreen />;
    case "task":
      return <TasksScreen taskId={route.id} />;
    case "user":
      return <ProfileScreen userId={route.id} me={user} />;
    case "moderation":
      return <ModerationScreen me={user} />;
    case "feed":
      return <FeedScreen tab={route.tab} />;
    case "notifications":
      return <NotificationsScreen />;
    case "tag":
      return <TagScreen tag={route.tag} />;
    case "search":
      return <SearchScreen q={route.q} />;
    default:
      return <FeedScreen tab="newest" />;
  }
}

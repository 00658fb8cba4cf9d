// Notifications: the bell's unread count (polled; also in the page title) and the grouped
// list ("alice and 12 others liked your post"), marked read when opened (decision 0077).
import { useEffect, useState } from "preact/hooks";
import { type components, unwrap } from "../sdk";
import { client } from "./live";
import { href } from "./router";
import { Store, useStore } from "./store";
import { ErrorMessage, TimeAgo } from "./ui";

type Notification = components["schemas"]["Notification"];

/** My unread notification groups. */
export const unreadNotifications = new Store<number>(0);
const POLL_MS = 15_000;
let timer: ReturnType<typeof setInterval> | null = null;

async function refreshUnread(): Promise<void> {
  try {
    const page = await unwrap(client.api.GET("/v1/notifications", { params: { query: { limit: 1 } } }));
    unreadNotifications.set(page.unread);
  } catch {
    // Offline or signed out: the next poll tries again.
  }
}

/** Starts polling the unread count (signed in); the page title shows it. */
export function startNotifications(): void {
  stopNotifications();
  void refreshUnread();
  timer = setInterval(() => void refreshUnread(), POLL_MS);
}

export function stopNotifications(): void {
  if (timer !== null) clearInterval(timer);
  timer = null;
  unreadNotifications.set(0);
}

unreadNotifications.subscribe((n) => {
  document.title = n > 0 ? `(${n}) Plaza` : "Plaza";
});

/** The bell in the header: a link to the list with the unread count. */
export function NotificationBell({ current }: { current: boolean }) {
  const unread = useStore(unreadNotifications);
  return (
    <a href={href({ name: "notifications" })} aria-current={current ? "page" : undefined} class="bell">
      Notifications
      {unread > 0 && (
        <span class="badge" aria-label={`${unread} unread notifications`} data-unread-notifications={unread}>
          {unread > 99 ? "99+" : unread}
        </span>
      )}
    </a>
  );
}

const VERBS: Record<Notification["kind"], string> = {
  like: "liked your post",
  comment: "commented on your post",
  follow: "followed you",
  mention: "mentioned you",
};

/** "alice", "alice and bob", "alice and 12 others". */
export function whoDidIt(n: Pick<Notification, "actors" | "count">): string {
  const names = n.actors.map((a) => a.displayName || a.username);
  const first = names[0] ?? "Someone";
  const others = Math.max(0, n.count - 1);
  if (others === 0) return first;
  if (others === 1 && names[1]) return `${first} and ${names[1]}`;
  return `${first} and ${others} others`;
}

/** The list, newest first; opening it marks everything shown read. */
export function NotificationsScreen() {
  const [items, setItems] = useState<Notification[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    (async () => {
      try {
        const page = await unwrap(client.api.GET("/v1/notifications", { params: { query: { limit: 50 } } }));
        setItems(page.items);
        const newest = page.items[0];
        if (newest && page.unread > 0) {
          const left = await unwrap(client.api.POST("/v1/notifications/read", { body: { upTo: newest.latestAt } }));
          unreadNotifications.set(left.unread);
        }
      } catch (err) {
        setError(err);
      }
    })();
  }, []);
  return (
    <main id="main" class="notifications">
      <h1>Notifications</h1>
      <ErrorMessage error={error} />
      {items === null && !error && <p role="status">Loading…</p>}
      {items?.length === 0 && <p class="muted">Nothing yet.</p>}
      <ul class="stack" aria-label="Notifications">
        {items?.map((n) => (
          <li key={n.id} class={`card notification${n.read ? "" : " unread"}`} data-kind={n.kind}>
            <span>
              {whoDidIt(n)} {VERBS[n.kind]}
            </span>{" "}
            <TimeAgo iso={n.latestAt} />
          </li>
        ))}
      </ul>
    </main>
  );
}

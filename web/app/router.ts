// Hash routes (#/feed, #/rooms/<id>, ...): static hosting needs no server-side fallback.
import { useEffect, useState } from "preact/hooks";

export type Route =
  | { name: "login" }
  | { name: "signup" }
  | { name: "feed"; tab: "newest" | "following" | "hot" }
  | { name: "rooms" }
  | { name: "room"; id: string }
  | { name: "tasks" }
  | { name: "task"; id: string }
  | { name: "user"; id: string }
  | { name: "notifications" }
  | { name: "tag"; tag: string }
  | { name: "search"; q: string }
  | { name: "moderation" };

/** Parses a location hash into a route (unknown hashes go to the feed). */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const [head, arg] = parts;
  switch (head) {
    case "login":
      return { name: "login" };
    case "signup":
      return { name: "signup" };
    case "rooms":
      return arg ? { name: "room", id: arg } : { name: "rooms" };
    case "tasks":
      return arg ? { name: "task", id: arg } : { name: "tasks" };
    case "users":
      return arg ? { name: "user", id: arg } : { name: "feed", tab: "newest" };
    case "moderation":
      return { name: "moderation" };
    case "feed":
      return { name: "feed", tab: arg === "following" || arg === "hot" ? arg : "newest" };
    case "notifications":
      return { name: "notifications" };
    case "tags":
      return arg ? { name: "tag", tag: arg } : { name: "feed", tab: "newest" };
    case "search":
      return arg ? { name: "search", q: arg } : { name: "feed", tab: "newest" };
    default:
      return { name: "feed", tab: "newest" };
  }
}

/** The hash link of a route. */
export function href(route: Route): string {
  switch (route.name) {
    case "feed":
      return route.tab === "newest" ? "#/feed" : `#/feed/${route.tab}`;
    case "room":
      return `#/rooms/${encodeURIComponent(route.id)}`;
    case "task":
      return `#/tasks/${encodeURIComponent(route.id)}`;
    case "user":
      return `#/users/${encodeURIComponent(route.id)}`;
    case "tag":
      return `#/tags/${encodeURIComponent(route.tag)}`;
    case "search":
      return `#/search/${encodeURIComponent(route.q)}`;
    default:
      return `#/${route.name}`;
  }
}

export function navigate(route: Route): void {
  location.hash = href(route);
}

/** The current route, following hash changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

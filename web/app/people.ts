// Usernames by user id, for presence and typing lines (frames carry ids only).
import { useEffect, useState } from "preact/hooks";
import { unwrap } from "../sdk";
import { client } from "./live";

const names = new Map<string, string>();
const pending = new Map<string, Promise<string>>();

/** Remembers a name seen in a message or a post. */
export function rememberName(id: string, username: string): void {
  names.set(id, username);
}

function lookup(id: string): Promise<string> {
  let p = pending.get(id);
  if (!p) {
    p = unwrap(client.api.GET("/v1/users/{id}", { params: { path: { id } } }))
      .then((u) => {
        rememberName(u.id, u.username);
        return u.username;
      })
      .catch(() => "someone");
    pending.set(id, p);
  }
  return p;
}

/** The usernames of `ids` (looked up once each). */
export function useUsernames(ids: readonly string[]): string[] {
  const [, setTick] = useState(0);
  const key = ids.join(",");
  useEffect(() => {
    let live = true;
    const missing = ids.filter((id) => !names.has(id));
    if (missing.length > 0) void Promise.all(missing.map(lookup)).then(() => live && setTick((t) => t + 1));
    return () => {
      live = false;
    };
  }, [key]);
  return ids.map((id) => names.get(id) ?? "…");
}

// "N new posts": the feed looks for posts newer than the newest one shown every 20 s (a warm
// feed page costs the server no database query: decision 0075) and offers them in a bar
// instead of inserting them under the reader's eyes.
import { useEffect, useState } from "preact/hooks";
import { type Post, unwrap } from "../sdk";
import { client } from "./live";

const CHECK_EVERY_MS = 20_000;

export type PollableTab = "newest" | "following";

async function firstPage(tab: PollableTab): Promise<Post[]> {
  const query = { limit: 50 };
  const page =
    tab === "following"
      ? await unwrap(client.api.GET("/v1/feed/following", { params: { query } }))
      : await unwrap(client.api.GET("/v1/feed", { params: { query } }));
  return page.items;
}

/** Posts newer than `newestId` on `tab` (ids are time-ordered UUIDv7), checked every 20 s. */
export function useNewPosts(tab: PollableTab | null, newestId: string | undefined): Post[] {
  const [fresh, setFresh] = useState<Post[]>([]);
  useEffect(() => {
    setFresh([]);
    if (tab === null) return;
    let live = true;
    const check = async () => {
      try {
        const items = await firstPage(tab);
        if (live) setFresh(newestId === undefined ? [] : items.filter((p) => p.id > newestId));
      } catch {
        // Offline: the next check tries again.
      }
    };
    const timer = setInterval(() => void check(), CHECK_EVERY_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [tab, newestId]);
  return fresh;
}

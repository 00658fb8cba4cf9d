// Notifications from a batch of feed events (decision 0077), written by the EVENTS consumer,
// never in the request path: one lookup round trip (posts, comments, mentioned users), then
// one D1 batch that upserts one row per group and recounts each touched group from its
// source table. Idempotent: a redelivered batch merges the same actors and recounts the same
// rows. Every statement binds at most 2 parameters (JSON lists read with json_each).
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { runBatch, statement } from "../db/statements";
import { newId } from "../lib/ids";
import type { PostEvent } from "../protocol/feed-events";

export type NotificationKind = "like" | "comment" | "follow" | "mention";

/** One group's share of a batch: recipient, kind, subject, actors newest first (<= 3), latest time. */
export interface GroupUpdate {
  r: string;
  k: NotificationKind;
  s: string;
  a: string[];
  t: number;
}

const MENTION_RE = /(?:^|[^a-z0-9_@])@([a-z0-9_]{3,32})(?![a-z0-9_])/gi;

/** The distinct usernames `@mentioned` in `text` (lowercase), at most 10. */
export function mentionsIn(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(MENTION_RE)) {
    const name = match[1]?.toLowerCase();
    if (name) names.add(name);
    if (names.size === 10) break;
  }
  return [...names];
}

/** Folds actor events into groups; an actor acting on their own thing is skipped. Pure. */
export function groupUpdates(
  items: readonly { r: string; k: NotificationKind; s: string; actor: string; at: number }[],
): GroupUpdate[] {
  const groups = new Map<string, GroupUpdate>();
  const ordered = [...items].sort((x, y) => y.at - x.at);
  for (const item of ordered) {
    if (item.actor === item.r) continue;
    const key = `${item.r} ${item.k}:${item.s}`;
    let group = groups.get(key);
    if (!group) {
      group = { r: item.r, k: item.k, s: item.s, a: [], t: item.at };
      groups.set(key, group);
    }
    if (group.a.length < 3 && !group.a.includes(item.actor)) group.a.push(item.actor);
  }
  return [...groups.values()];
}

interface PostRow {
  id: string;
  author_id: string;
  content: string;
}
interface CommentRow {
  id: string;
  post_id: string;
  author_id: string;
  content: string;
  created_at: number;
}

const list = (values: Iterable<string>) => JSON.stringify([...new Set(values)]);

/** Derives and writes the notifications of `events`. Returns the group rows written (upserted). */
export async function applyNotifications(db: Db, events: readonly PostEvent[]): Promise<number> {
  const likes = events.filter((e) => e.type === "post.liked");
  const commentIds = events.flatMap((e) => (e.type === "post.commented" ? [e.commentId] : []));
  const created = events.filter((e) => e.type === "post.created");
  const followEvents = events.filter((e) => e.type === "user.followed");
  if (likes.length + commentIds.length + created.length + followEvents.length === 0) return 0;

  const postIds = [...likes, ...created].map((e) => e.postId);
  const [postRows, commentRows, stillLiked] = await runBatch(db, [
    statement(
      db,
      sql`SELECT id, author_id, content FROM posts WHERE deleted_at IS NULL AND id IN
        (SELECT value FROM json_each(${list(postIds)}) UNION SELECT post_id FROM comments WHERE id IN (SELECT value FROM json_each(${list(commentIds)})))`,
    ),
    statement(
      db,
      sql`SELECT id, post_id, author_id, content, created_at FROM comments WHERE id IN (SELECT value FROM json_each(${list(commentIds)}))`,
    ),
    statement(
      db,
      sql`SELECT post_id || ' ' || user_id AS k FROM likes WHERE post_id || ' ' || user_id IN (SELECT value FROM json_each(${list(likes.map((e) => `${e.postId} ${e.userId}`))}))`,
    ),
  ]);
  const posts = new Map(((postRows?.results ?? []) as PostRow[]).map((p) => [p.id, p]));
  const comments = (commentRows?.results ?? []) as CommentRow[];
  const liked = new Set(((stillLiked?.results ?? []) as { k: string }[]).map((r) => r.k));

  // Mentions: in new posts and in comments, by username.
  const mentionSources = [
    ...created.flatMap((e) => {
      const post = posts.get(e.postId);
      return post ? [{ actor: post.author_id, postId: post.id, text: post.content, at: e.at }] : [];
    }),
    ...comments.map((c) => ({ actor: c.author_id, postId: c.post_id, text: c.content, at: c.created_at })),
  ].map((m) => ({ ...m, names: mentionsIn(m.text) }));
  const names = mentionSources.flatMap((m) => m.names);
  const userIds = new Map<string, string>();
  if (names.length > 0) {
    const found = await db.$client
      .prepare("SELECT id, username FROM users WHERE username IN (SELECT value FROM json_each(?))")
      .bind(list(names))
      .all<{ id: string; username: string }>();
    for (const u of found.results) userIds.set(u.username, u.id);
  }

  const items: { r: string; k: NotificationKind; s: string; actor: string; at: number }[] = [];
  for (const e of likes) {
    const post = posts.get(e.postId);
    if (post && liked.has(`${e.postId} ${e.userId}`))
      items.push({ r: post.author_id, k: "like", s: post.id, actor: e.userId, at: e.at });
  }
  for (const c of comments) {
    const post = posts.get(c.post_id);
    if (post) items.push({ r: post.author_id, k: "comment", s: post.id, actor: c.author_id, at: c.created_at });
  }
  for (const e of followEvents)
    items.push({ r: e.followeeId, k: "follow", s: e.followeeId, actor: e.followerId, at: e.at });
  for (const m of mentionSources) {
    for (const name of m.names) {
      const r = userIds.get(name);
      if (r) items.push({ r, k: "mention", s: m.postId, actor: m.actor, at: m.at });
    }
  }
  const groups = groupUpdates(items);
  if (groups.length === 0) return 0;
  await writeGroups(db, groups);
  return groups.length;
}

/** Upserts the groups and recounts them, in one transaction. */
async function writeGroups(db: Db, groups: readonly GroupUpdate[]): Promise<void> {
  const payload = JSON.stringify(groups.map((g) => ({ ...g, id: newId(), a: JSON.stringify(g.a) })));
  const keys = JSON.stringify(groups.map((g) => `${g.r} ${g.k}:${g.s}`));
  await runBatch(db, [
    statement(
      db,
      sql`INSERT INTO notifications (id, recipient_id, kind, subject, group_key, actors, count, since, latest_at)
        SELECT json_extract(g.value, '$.id'), json_extract(g.value, '$.r'), json_extract(g.value, '$.k'),
          json_extract(g.value, '$.s'), json_extract(g.value, '$.k') || ':' || json_extract(g.value, '$.s'),
          json_extract(g.value, '$.a'), 0,
          coalesce((SELECT max(n.read_at) FROM notifications n WHERE n.recipient_id = json_extract(g.value, '$.r')
            AND n.group_key = json_extract(g.value, '$.k') || ':' || json_extract(g.value, '$.s')), 0),
          json_extract(g.value, '$.t')
        FROM json_each(${payload}) g WHERE true
        ON CONFLICT (recipient_id, group_key) WHERE read_at IS NULL DO UPDATE SET
          latest_at = max(notifications.latest_at, excluded.latest_at),
          actors = (SELECT json_group_array(a) FROM (SELECT a FROM (
              SELECT value AS a, 0 AS src, key AS pos FROM json_each(excluded.actors)
              UNION ALL
              SELECT value, 1, key FROM json_each(notifications.actors)
                WHERE value NOT IN (SELECT value FROM json_each(excluded.actors))
            ) ORDER BY src, pos LIMIT 3))`,
    ),
    statement(
      db,
      sql`UPDATE notifications SET count = CASE kind
          WHEN 'like' THEN (SELECT count(*) FROM likes l WHERE l.post_id = notifications.subject
            AND l.user_id != notifications.recipient_id AND l.created_at > notifications.since)
          WHEN 'comment' THEN (SELECT count(DISTINCT c.author_id) FROM comments c WHERE c.post_id = notifications.subject
            AND c.author_id != notifications.recipient_id AND c.created_at > notifications.since)
          WHEN 'follow' THEN (SELECT count(*) FROM follows f WHERE f.followee_id = notifications.recipient_id
            AND f.created_at > notifications.since)
          ELSE json_array_length(notifications.actors) END
        WHERE read_at IS NULL AND recipient_id || ' ' || group_key IN (SELECT value FROM json_each(${keys}))`,
    ),
  ]);
}

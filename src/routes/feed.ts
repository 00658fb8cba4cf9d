// Feeds: everyone's posts, the people I follow, one user's posts, and the hot list.
import { createRoute } from "@hono/zod-openapi";
import { callerId, optionalAuth, requireAuth } from "../auth/middleware";
import { bearerSecurity, createRouter, json, problems } from "../lib/openapi";
import { bookmarks } from "../middleware/bookmarks";
import { BookmarkHeaderSchema, IdParamSchema, pageOf, PageQuerySchema } from "../schemas/common";
import { HotListSchema, LiveFrameSchema, LiveQuerySchema, PostSchema } from "../schemas/posts";
import { liveStream } from "../services/post-live-stream";
import { followingFeed, globalFeed, userPosts } from "../services/feed";
import { readHotList } from "../services/hot-list";
import { feedContext } from "./feed-context";

const tags = ["Feed"];
const anyCaller = { security: [...bearerSecurity, {}], middleware: [optionalAuth(), bookmarks()] };
const PostPageSchema = pageOf(PostSchema).openapi("PostPage");

const feedRoute = createRoute({
  method: "get",
  path: "/feed",
  tags,
  summary: "Everyone's posts, newest first",
  ...anyCaller,
  request: { query: PageQuerySchema, headers: BookmarkHeaderSchema },
  responses: { 200: json(PostPageSchema, "A page of posts"), ...problems(400, 401) },
});

const followingRoute = createRoute({
  method: "get",
  path: "/feed/following",
  tags,
  summary: "Posts of the people I follow, newest first",
  security: bearerSecurity,
  middleware: [requireAuth(), bookmarks()] as const,
  request: { query: PageQuerySchema, headers: BookmarkHeaderSchema },
  responses: { 200: json(PostPageSchema, "A page of posts"), ...problems(400, 401) },
});

const hotRoute = createRoute({
  method: "get",
  path: "/feed/hot",
  tags,
  summary: "The hot list (scored by the cron every 5 minutes)",
  ...anyCaller,
  responses: { 200: json(HotListSchema, "The hot list"), ...problems(401) },
});

/** A live stream ends after this long; EventSource clients reconnect (the `retry:` line). */
const LIVE_STREAM_MAX_MS = 300_000;

const liveRoute = createRoute({
  method: "get",
  path: "/feed/live",
  tags,
  summary:
    "Server-Sent Events: the counters of the posts you show (?ids=, at most 50), at once and then on each change, at most once a second per post",
  ...anyCaller,
  request: { query: LiveQuerySchema },
  responses: {
    200: {
      description: "text/event-stream; each `data:` line is a LivePostFrame. The stream ends after 5 minutes.",
      content: { "text/event-stream": { schema: LiveFrameSchema } },
    },
    ...problems(400, 401),
  },
});

const userPostsRoute = createRoute({
  method: "get",
  path: "/users/{id}/posts",
  tags,
  summary: "One user's posts, newest first",
  ...anyCaller,
  request: { params: IdParamSchema, query: PageQuerySchema, headers: BookmarkHeaderSchema },
  responses: { 200: json(PostPageSchema, "A page of posts"), ...problems(400, 401, 404) },
});

export const feedRoutes = createRouter()
  .openapi(feedRoute, async (c) => c.json(await globalFeed(feedContext(c), callerId(c), c.req.valid("query")), 200))
  .openapi(followingRoute, async (c) =>
    c.json(await followingFeed(feedContext(c), c.var.auth.id, c.req.valid("query")), 200),
  )
  .openapi(liveRoute, (c) => {
    const stream = liveStream(feedContext(c), c.req.valid("query").ids, c.req.raw.signal, LIVE_STREAM_MAX_MS);
    return c.body(stream, 200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Accel-Buffering": "no",
    });
  })
  .openapi(hotRoute, async (c) => c.json(await readHotList(feedContext(c), callerId(c), Date.now()), 200))
  .openapi(userPostsRoute, async (c) =>
    c.json(await userPosts(feedContext(c), c.req.valid("param").id, callerId(c), c.req.valid("query")), 200),
  );

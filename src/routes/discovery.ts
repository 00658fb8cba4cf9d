// Finding posts: by #tag, trending tags, and full-text search (API.md "Tags and search").
import { createRoute } from "@hono/zod-openapi";
import { callerId, optionalAuth } from "../auth/middleware";
import { bearerSecurity, createRouter, json, problems } from "../lib/openapi";
import { bookmarks } from "../middleware/bookmarks";
import { BookmarkHeaderSchema, pageOf, PageQuerySchema } from "../schemas/common";
import {
  PostSchema,
  SearchQuerySchema,
  SearchResultSchema,
  TagParamSchema,
  TrendingTagsSchema,
} from "../schemas/posts";
import { tagPosts } from "../services/feed";
import { searchPosts } from "../services/search";
import { readTrendingTags } from "../services/tags";
import { feedContext } from "./feed-context";

const tags = ["Feed"];
const anyCaller = { security: [...bearerSecurity, {}], middleware: [optionalAuth(), bookmarks()] };

const tagPostsRoute = createRoute({
  method: "get",
  path: "/tags/{tag}/posts",
  tags,
  summary: "Posts with #tag, newest first (the tag is compared lowercase)",
  ...anyCaller,
  request: { params: TagParamSchema, query: PageQuerySchema, headers: BookmarkHeaderSchema },
  responses: { 200: json(pageOf(PostSchema), "A page of posts"), ...problems(400, 401) },
});

const trendingRoute = createRoute({
  method: "get",
  path: "/tags/trending",
  tags,
  summary: "Tags used most in the last day, recent uses weighing more (scored by the cron every 5 minutes)",
  ...anyCaller,
  responses: { 200: json(TrendingTagsSchema, "Trending tags, best first"), ...problems(401) },
});

const searchRoute = createRoute({
  method: "get",
  path: "/search/posts",
  tags,
  summary: "Full-text search of live posts: every word must match (the last one as a prefix), best first",
  ...anyCaller,
  request: { query: SearchQuerySchema, headers: BookmarkHeaderSchema },
  responses: { 200: json(SearchResultSchema, "Matching posts with snippets"), ...problems(400, 401) },
});

export const discoveryRoutes = createRouter()
  .openapi(trendingRoute, async (c) => c.json(await readTrendingTags(feedContext(c), Date.now()), 200))
  .openapi(tagPostsRoute, async (c) =>
    c.json(await tagPosts(feedContext(c), c.req.valid("param").tag, callerId(c), c.req.valid("query")), 200),
  )
  .openapi(searchRoute, async (c) => {
    const { q, ...page } = c.req.valid("query");
    return c.json(await searchPosts(feedContext(c), q, callerId(c), page), 200);
  });

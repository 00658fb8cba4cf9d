// Posts: create, read (through the KV cache; counts a view), edit, delete, like, unlike,
// and comments (API.md "Posts and feed").
import { createRoute } from "@hono/zod-openapi";
import { callerId, optionalAuth, requireAuth } from "../auth/middleware";
import { bearerSecurity, createRouter, json, jsonBody, problems } from "../lib/openapi";
import { bookmarks } from "../middleware/bookmarks";
import { limitWrites } from "../middleware/write-limit";
import {
  BookmarkHeaderSchema,
  IdempotencyHeaderSchema,
  IdParamSchema,
  pageOf,
  PageQuerySchema,
} from "../schemas/common";
import {
  CommentBodySchema,
  CommentSchema,
  CreatePostBodySchema,
  LikeResultSchema,
  PostSchema,
  UpdatePostBodySchema,
} from "../schemas/posts";
import { addComment, listComments } from "../services/comments";
import { setLike } from "../services/likes";
import { removeComment, removePost } from "../services/moderation/removal";
import { createPost, updatePost, viewPost } from "../services/posts";
import { feedContext } from "./feed-context";

const tags = ["Posts"];
const anyCaller = { security: [...bearerSecurity, {}], middleware: [optionalAuth(), bookmarks()] };
const writer = { security: bearerSecurity, middleware: [requireAuth(), limitWrites(), bookmarks()] };

const createPostRoute = createRoute({
  method: "post",
  path: "/posts",
  tags,
  summary: "Create a post (Idempotency-Key: a retry returns the first post)",
  ...writer,
  request: { headers: IdempotencyHeaderSchema, body: jsonBody(CreatePostBodySchema) },
  responses: { 201: json(PostSchema, "The post"), ...problems(400, 401, 409, 413, 415, 422, 429) },
});

const getPostRoute = createRoute({
  method: "get",
  path: "/posts/{id}",
  tags,
  summary: "A post; counts a view. X-Cache: HIT|MISS tells whether the cache (KV or the isolate's copy) served it",
  ...anyCaller,
  request: { params: IdParamSchema, headers: BookmarkHeaderSchema },
  responses: { 200: json(PostSchema, "The post"), ...problems(400, 401, 404) },
});

const updatePostRoute = createRoute({
  method: "patch",
  path: "/posts/{id}",
  tags,
  summary: "Edit a post (author only)",
  ...writer,
  request: { params: IdParamSchema, body: jsonBody(UpdatePostBodySchema) },
  responses: { 200: json(PostSchema, "The edited post"), ...problems(400, 401, 403, 404, 413, 415, 422, 429) },
});

const deletePostRoute = createRoute({
  method: "delete",
  path: "/posts/{id}",
  tags,
  summary: "Delete a post (its author, or a moderator: audited)",
  ...writer,
  request: { params: IdParamSchema },
  responses: { 204: { description: "Deleted" }, ...problems(400, 401, 403, 404, 429) },
});

const deleteCommentRoute = createRoute({
  method: "delete",
  path: "/comments/{id}",
  tags,
  summary: "Delete a comment (its author, or a moderator: audited)",
  ...writer,
  request: { params: IdParamSchema },
  responses: { 204: { description: "Deleted" }, ...problems(400, 401, 403, 404, 429) },
});

const likeRoute = (method: "post" | "delete") =>
  createRoute({
    method,
    path: "/posts/{id}/like",
    tags,
    summary: method === "post" ? "Like a post (idempotent)" : "Unlike a post (idempotent)",
    ...writer,
    request: { params: IdParamSchema },
    responses: {
      200: json(LikeResultSchema, "The caller's like state and the count"),
      ...problems(400, 401, 404, 429),
    },
  });

const addCommentRoute = createRoute({
  method: "post",
  path: "/posts/{id}/comments",
  tags,
  summary: "Comment on a post",
  ...writer,
  request: { params: IdParamSchema, body: jsonBody(CommentBodySchema) },
  responses: { 201: json(CommentSchema, "The comment"), ...problems(400, 401, 404, 413, 415, 422, 429) },
});

const listCommentsRoute = createRoute({
  method: "get",
  path: "/posts/{id}/comments",
  tags,
  summary: "A post's comments, oldest first",
  ...anyCaller,
  request: { params: IdParamSchema, query: PageQuerySchema, headers: BookmarkHeaderSchema },
  responses: { 200: json(pageOf(CommentSchema), "A page of comments"), ...problems(400, 401, 404) },
});

export const postRoutes = createRouter()
  .openapi(createPostRoute, async (c) => {
    const key = c.req.valid("header")["idempotency-key"];
    const { post, replayed } = await createPost(feedContext(c), c.var.auth.id, c.req.valid("json"), key);
    if (replayed) c.header("Idempotent-Replayed", "true");
    return c.json(post, 201);
  })
  .openapi(getPostRoute, async (c) => {
    const { post, cache } = await viewPost(feedContext(c), c.req.valid("param").id, callerId(c));
    c.header("X-Cache", cache);
    return c.json(post, 200);
  })
  .openapi(updatePostRoute, async (c) => {
    const post = await updatePost(feedContext(c), c.var.auth.id, c.req.valid("param").id, c.req.valid("json"));
    return c.json(post, 200);
  })
  .openapi(deletePostRoute, async (c) => {
    await removePost(feedContext(c), c.var.auth.id, c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(deleteCommentRoute, async (c) => {
    await removeComment(feedContext(c), c.var.auth.id, c.req.valid("param").id);
    return c.body(null, 204);
  })
  .openapi(likeRoute("post"), async (c) =>
    c.json(await setLike(feedContext(c), c.var.auth.id, c.req.valid("param").id, true), 200),
  )
  .openapi(likeRoute("delete"), async (c) =>
    c.json(await setLike(feedContext(c), c.var.auth.id, c.req.valid("param").id, false), 200),
  )
  .openapi(addCommentRoute, async (c) => {
    const comment = await addComment(
      feedContext(c),
      c.var.auth.id,
      c.req.valid("param").id,
      c.req.valid("json").content,
    );
    return c.json(comment, 201);
  })
  .openapi(listCommentsRoute, async (c) =>
    c.json(await listComments(feedContext(c), c.req.valid("param").id, c.req.valid("query")), 200),
  );

// Builds the Hono app: middleware, one sub-app per resource, the error funnel, and the
// OpenAPI document (/openapi.json) with its human view (/docs).
import { OpenAPIHono } from "@hono/zod-openapi";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { version } from "../package.json";
import type { AppEnv } from "./env";
import { errors, handleError, problemResponse } from "./errors";
import { PAGE_SECURITY_HEADERS } from "./lib/security-headers";
import { DOCS_CSS, DOCS_HTML, DOCS_JS, type OpenApiDocument, withServer, withTags } from "./lib/api-docs";
import { limitBody, strictJsonText } from "./middleware/body";
import { apiCors } from "./middleware/cors";
import { requestContext } from "./middleware/context";
import { authRoutes } from "./routes/auth";
import { feedRoutes } from "./routes/feed";
import { healthRoutes } from "./routes/health";
import { metricsRoutes } from "./routes/metrics";
import { imRoutes } from "./routes/im";
import { reactionRoutes } from "./routes/reactions";
import { inboxRoutes } from "./routes/inbox";
import { roomRoutes } from "./routes/rooms";
import { MEDIA_UPLOAD_PATH, mediaServeRoutes, mediaUploadRoutes } from "./routes/media";
import { discoveryRoutes } from "./routes/discovery";
import { notificationRoutes } from "./routes/notifications";
import { postRoutes } from "./routes/posts";
import { userRoutes } from "./routes/users";
import { userSearchRoutes } from "./routes/user-search";
import { adminRoutes } from "./routes/admin";
import { moderationRoutes } from "./routes/moderation";
import { reportRoutes } from "./routes/reports";
import { roomSanctionRoutes } from "./routes/room-sanctions";
import { roomSettingsRoutes } from "./routes/room-settings";
import { backendRoutes } from "./routes/backends";
import { taskCallbackRoutes } from "./routes/task-callbacks";
import { taskRoutes } from "./routes/tasks";

function buildApp() {
  const app = new OpenAPIHono<AppEnv>();

  app.use(requestId());
  app.use(secureHeaders({ crossOriginResourcePolicy: false }));
  app.use(requestContext());
  app.use(
    "/v1/*",
    apiCors({
      origin: (origin, c) => (c.var.config.allowedOrigins.includes(origin) ? origin : null),
      allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id", "Plaza-Bookmark"],
      allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
      exposeHeaders: ["X-Request-Id", "Retry-After", "X-Cache", "Plaza-Bookmark", "Plaza-D1-Queries"],
      maxAge: 600,
    }),
  );
  app.use(
    "/v1/*",
    limitBody((c) => (c.req.path === MEDIA_UPLOAD_PATH ? c.var.config.feed.mediaMaxBytes : c.var.config.maxBodyBytes)),
    strictJsonText(),
  );

  app.onError(handleError);
  app.notFound((c) => problemResponse(errors.notFound("route"), c.get("requestId")));

  const routes = app
    .route("/", healthRoutes)
    .route("/", metricsRoutes)
    .route("/v1/auth", authRoutes)
    .route("/v1", userRoutes)
    .route("/v1", userSearchRoutes)
    .route("/v1/inbox", inboxRoutes)
    .route("/v1/rooms", roomRoutes)
    .route("/v1/rooms", roomSanctionRoutes)
    .route("/v1/rooms", roomSettingsRoutes)
    .route("/v1", imRoutes)
    .route("/v1", reactionRoutes)
    .route("/v1", taskRoutes)
    .route("/v1", taskCallbackRoutes)
    .route("/v1/backends", backendRoutes)
    .route("/v1/admin", adminRoutes)
    .route("/v1/admin", moderationRoutes)
    .route("/v1", reportRoutes)
    .route("/v1", postRoutes)
    .route("/v1", feedRoutes)
    .route("/v1", notificationRoutes)
    .route("/v1", discoveryRoutes)
    .route("/v1", mediaUploadRoutes)
    .route("/", mediaServeRoutes);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "An access token from /v1/auth/login, /register or /refresh (15 minutes).",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "operatorToken", {
    type: "http",
    scheme: "bearer",
    description: "The BACKEND_TOKEN secret (operators and backend registration).",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "taskToken", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "The per-task callback token a plaza-job backend received with its job.",
  });
  // The document is built once per isolate; each answer names the origin it was asked at.
  let document: OpenApiDocument | undefined;
  app.get("/openapi.json", (c) => {
    document ??= withTags(
      app.getOpenAPI31Document({
        openapi: "3.1.0",
        info: {
          title: "Plaza",
          version,
          description:
            "Real-time backend: feed, chat rooms, instant messaging and compute tasks. Errors are RFC 9457 problem+json with a stable `code`.",
        },
      }) as unknown as OpenApiDocument,
    );
    return c.json(withServer(document, new URL(c.req.url).origin));
  });
  // The reference page, from the Worker itself: no CDN, one same-origin script (lib/api-docs.ts).
  // Under the same headers (and CSP) as the app's pages.
  app.get("/docs", (c) => c.html(DOCS_HTML, 200, PAGE_SECURITY_HEADERS));
  app.get("/docs/reference.js", (c) =>
    c.body(DOCS_JS, 200, { ...PAGE_SECURITY_HEADERS, "Content-Type": "text/javascript; charset=utf-8" }),
  );
  app.get("/docs/reference.css", (c) =>
    c.body(DOCS_CSS, 200, { ...PAGE_SECURITY_HEADERS, "Content-Type": "text/css; charset=utf-8" }),
  );
  return routes;
}

export const app = buildApp();

/** The typed route tree, for Hono's RPC client (`hc<AppType>`). */
export type AppType = typeof app;

// WebSocket upgrades: the browser cannot set headers, so the access token travels as a
// subprotocol (`plaza.v1, bearer.<token>`), never in the URL. The Origin must be allowed
// (ALLOWED_ORIGINS or the server's own).
import type { Context } from "hono";
import type { AppEnv, AuthUser } from "../env";
import { AppError, errors } from "../errors";
import { enforceRateLimit } from "../middleware/rate-limit";
import { identityHeaders, SUBPROTOCOL } from "../protocol/identity";
import { authenticateToken } from "./middleware";

const BEARER_PREFIX = "bearer.";

/**
 * True when the request carries `Sec-Fetch-Site`: browsers send it with every upgrade. Not
 * `Sec-Fetch-Mode`: Node's own WebSocket (undici) sends `Sec-Fetch-Mode: websocket` and no Origin.
 */
function isFromBrowser(c: Context<AppEnv>): boolean {
  return c.req.header("Sec-Fetch-Site") !== undefined;
}

/** ALLOWED_ORIGINS, and always the server's own origin (the app it serves at `/`). */
function originAllowed(c: Context<AppEnv>, origin: string): boolean {
  return origin === new URL(c.req.url).origin || c.var.config.allowedOrigins.includes(origin);
}

/**
 * Checks an upgrade request and returns the verified caller. Browsers always send Origin,
 * so a present (or empty) Origin must be on ALLOWED_ORIGINS; clients that are not browsers send none.
 */
export async function authorizeUpgrade(c: Context<AppEnv>): Promise<AuthUser> {
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    throw new AppError(
      426,
      "upgrade_required",
      "Upgrade required",
      "This endpoint only speaks WebSocket.",
      {},
      {
        Upgrade: "websocket",
      },
    );
  }
  // An empty Origin is not "no Origin": workerd drops empty header values before the Worker sees
  // them, so a request that shows it comes from a browser (Sec-Fetch-*, which browsers send with
  // every upgrade along with a real Origin) must name an allowed Origin.
  const origin = c.req.header("Origin") ?? (isFromBrowser(c) ? "" : undefined);
  if (origin !== undefined && !originAllowed(c, origin)) {
    throw errors.forbidden("This Origin may not open sockets here.");
  }
  const protocols = (c.req.header("Sec-WebSocket-Protocol") ?? "").split(",").map((p) => p.trim());
  const token = protocols.find((p) => p.startsWith(BEARER_PREFIX))?.slice(BEARER_PREFIX.length);
  if (!protocols.includes(SUBPROTOCOL) || !token) {
    throw errors.unauthorized(`Send the subprotocols "${SUBPROTOCOL}" and "bearer.<accessToken>".`);
  }
  const user = await authenticateToken(c, token);
  if (!user) throw errors.unauthorized();
  c.set("auth", user);
  // Per user, whatever the socket: reconnecting is no way around a room's send budget.
  await enforceRateLimit(c, { limiter: (env) => env.SOCKET_LIMITER, keys: () => [`socket:user:${user.id}`] });
  return user;
}

/**
 * Forwards an authorized upgrade to a Durable Object. The request is rebuilt from scratch
 * so that only the Worker's identity headers (and `extra`) reach the object. The object's
 * answer (its headers are immutable, as any fetched response's) is copied into a new
 * response, socket included, so the middleware can add its headers.
 */
export async function forwardUpgrade(
  target: { fetch(request: Request): Promise<Response> },
  c: Context<AppEnv>,
  user: AuthUser,
  extra: Record<string, string> = {},
): Promise<Response> {
  const headers = {
    Upgrade: "websocket",
    ...identityHeaders({ userId: user.id, username: user.username, sid: user.sid }),
    ...extra,
  };
  const answer = await target.fetch(new Request(c.req.url, { headers }));
  return new Response(answer.body, answer);
}

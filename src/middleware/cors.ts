// CORS for the API. Preflight requests (OPTIONS) are answered by Hono's cors middleware. On
// every other request the headers it would add (Access-Control-Allow-Origin for an allowed
// origin, Access-Control-Expose-Headers, Vary: Origin) are set on the final response, after
// the handler: Hono's middleware sets them on a placeholder response before the handler runs,
// which makes Hono build every answer three times and copy its headers twice.
import type { Context } from "hono";
import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";

export interface CorsSettings {
  /** The origin to allow, or null to send no CORS headers. */
  origin: (origin: string, c: Context<AppEnv>) => string | null;
  allowHeaders: string[];
  allowMethods: string[];
  exposeHeaders: string[];
  maxAge: number;
}

/** CORS headers on every API response; preflights answered by Hono's cors. */
export function apiCors(settings: CorsSettings) {
  const preflight = cors(settings);
  const exposed = settings.exposeHeaders.join(",");
  return createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.method === "OPTIONS") return preflight(c, next);
    await next();
    const allowed = settings.origin(c.req.header("Origin") ?? "", c);
    const headers = c.res.headers;
    if (allowed) headers.set("Access-Control-Allow-Origin", allowed);
    headers.set("Access-Control-Expose-Headers", exposed);
    headers.append("Vary", "Origin");
  });
}

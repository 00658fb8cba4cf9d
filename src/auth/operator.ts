// Operator routes (the backend pool, dead-letter replay) take the BACKEND_TOKEN secret.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { errors } from "../errors";
import { timingSafeEqual } from "../lib/encoding";

const encoder = new TextEncoder();

/** Requires `Authorization: Bearer <BACKEND_TOKEN>`, compared in constant time. */
export function requireOperator() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const presented = c.req.header("Authorization")?.match(/^Bearer (.+)$/i)?.[1] ?? "";
    // Hash both sides first so the comparison time says nothing about the token's length either.
    const [a, b] = await Promise.all(
      [presented, c.var.config.backendToken].map(
        async (t) => new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(t))),
      ),
    );
    if (!presented || !timingSafeEqual(a!, b!)) throw errors.unauthorized("The operator token is required.");
    await next();
  });
}

/** The OpenAPI security requirement of operator routes. */
export const operatorSecurity = [{ operatorToken: [] }];

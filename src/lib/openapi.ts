// Helpers for declaring routes with @hono/zod-openapi: one router factory whose validation
// failures go through the error funnel, and shorthands for JSON and problem responses.
import { OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { errors, zodIssues } from "../errors";
import { ProblemSchema } from "../schemas/common";

/** A sub-app for one resource. Invalid input becomes 400 `validation_failed`. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw errors.validation(zodIssues(result.error));
    },
  });
}

/** `{content: {"application/json": {schema}}, description}` */
export function json<T extends z.ZodType>(schema: T, description: string) {
  return { content: { "application/json": { schema } }, description } as const;
}

/** A required JSON request body. */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { content: { "application/json": { schema } }, required: true } as const;
}

const problemDescriptions = {
  400: "Invalid input (validation_failed, malformed_json, invalid_encoding, invalid_cursor)",
  401: "Missing or invalid credentials (unauthorized)",
  403: "Not allowed (forbidden; suspended, with `until`)",
  404: "Not found, or not visible to the caller (not_found)",
  409: "Conflict",
  412: "A precondition (If-Match, If-Unmodified-Since) failed (precondition_failed)",
  413: "Body too large (payload_too_large)",
  415: "Unsupported Content-Type (unsupported_media_type)",
  416: "No byte of the Range exists (range_not_satisfiable); Content-Range: bytes */size",
  422: "Well-formed but not acceptable (moderated: refused by the moderation step)",
  429: "Rate limited (rate_limited); see Retry-After",
} as const;

type ProblemStatus = keyof typeof problemDescriptions;

/** Problem responses for the OpenAPI document. */
export function problems<S extends ProblemStatus>(...statuses: S[]) {
  const out = {} as Record<
    S,
    { content: { "application/problem+json": { schema: typeof ProblemSchema } }; description: string }
  >;
  for (const status of statuses) {
    out[status] = {
      content: { "application/problem+json": { schema: ProblemSchema } },
      description: problemDescriptions[status],
    };
  }
  return out;
}

/** The security requirement for routes that need an access token. */
export const bearerSecurity = [{ bearerAuth: [] }];

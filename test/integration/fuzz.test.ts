// Property-based: generated junk thrown at every route in the OpenAPI document never
// produces a 5xx, and every error is problem+json.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { call, json, registerUser, type TestUser } from "../support/api";

interface OpenApiDoc {
  paths: Record<string, Record<string, unknown>>;
}

let routes: { method: string; path: string }[] = [];
let user: TestUser;

beforeAll(async () => {
  const doc = await json<OpenApiDoc>(await call("/openapi.json"));
  routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })),
  );
  user = await registerUser("fuzz");
});

const junkSegment = fc.oneof(
  fc.uuid(),
  fc.string({ maxLength: 40 }),
  fc.constantFrom("0", "-1", "%00", "..", "null", "9".repeat(40)),
);

const junkBody = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }),
  fc
    .record({
      username: fc.string({ maxLength: 40 }),
      password: fc.string({ maxLength: 140 }),
      refreshToken: fc.string({ maxLength: 300 }),
      content: fc.string({ maxLength: 50 }),
    })
    .map((v) => JSON.stringify(v)),
);

const junkContentType = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/merge-patch+json",
  undefined,
);

const junkQuery = fc.dictionary(
  fc.constantFrom("limit", "cursor", "since", "after", "before", "status", "x"),
  fc.oneof(fc.string({ maxLength: 30 }), fc.integer().map(String)),
  { maxKeys: 3 },
);

describe("fuzzing every documented route", () => {
  it("finds the routes to fuzz", () => {
    expect(routes.length).toBeGreaterThanOrEqual(8);
  });

  it("never answers 5xx to junk, with or without a token", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1_000_000 }),
        junkSegment,
        junkBody,
        junkContentType,
        junkQuery,
        fc.boolean(),
        async (pick, segment, body, contentType, query, withToken) => {
          const route = routes[pick % routes.length]!;
          const path = route.path.replace(/\{[^}]+\}/g, encodeURIComponent(segment));
          const qs = new URLSearchParams(query).toString();
          const headers: Record<string, string> = {};
          if (contentType) headers["Content-Type"] = contentType;
          const hasBody = route.method !== "GET" && route.method !== "HEAD";
          const res = await call(`${path}${qs ? `?${qs}` : ""}`, {
            method: route.method,
            headers,
            token: withToken ? user.accessToken : undefined,
            body: hasBody ? body : undefined,
          });
          const text = await res.text();
          expect(res.status, `${route.method} ${path} -> ${text.slice(0, 200)}`).toBeLessThan(500);
          if (res.status >= 400) expect(res.headers.get("Content-Type")).toBe("application/problem+json");
        },
      ),
      { numRuns: 400 },
    );
  });
});

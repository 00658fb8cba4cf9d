import { describe, expect, it } from "vitest";
import { call, json } from "../support/api";

interface Doc {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
}

describe("OpenAPI document", () => {
  it("documents every route of the API contract built so far", async () => {
    const doc = await json<Doc>(await call("/openapi.json"));
    expect(doc.openapi).toBe("3.1.0");
    const routes = Object.entries(doc.paths).flatMap(([p, m]) =>
      Object.keys(m).map((method) => `${method.toUpperCase()} ${p}`),
    );
    expect(routes).toEqual(
      expect.arrayContaining([
        "GET /healthz",
        "POST /v1/auth/register",
        "POST /v1/auth/login",
        "POST /v1/auth/refresh",
        "POST /v1/auth/logout",
        "GET /v1/me",
        "GET /v1/users/{id}",
        "POST /v1/users/{id}/follow",
        "DELETE /v1/users/{id}/follow",
        "GET /v1/inbox/ws",
        "GET /v1/task-types",
        "POST /v1/tasks",
        "GET /v1/tasks",
        "GET /v1/tasks/{id}",
        "POST /v1/tasks/{id}/cancel",
        "GET /v1/tasks/{id}/ws",
        "GET /v1/tasks/{id}/result",
        "POST /v1/tasks/{id}/callback",
        "GET /v1/tasks/{id}/source",
        "GET /v1/backends",
        "POST /v1/backends",
        "PATCH /v1/backends/{id}",
        "DELETE /v1/backends/{id}",
      ]),
    );
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.components.schemas).toHaveProperty("Problem");
    expect(doc.paths["/v1/me"]?.get?.security).toEqual([{ bearerAuth: [] }]);
  });

  // ---- web: the SDK's types are generated from this document, so its shapes must be exact.
  it("keeps shared components exact: a nullable use of Message does not make every Message nullable", async () => {
    const doc = await json<Doc>(await call("/openapi.json"));
    expect(doc.components.schemas.Message).toMatchObject({ type: "object" });
    const myRoom = JSON.stringify(doc.components.schemas.MyRoom);
    expect(myRoom).toContain('"lastMessage":{"anyOf":[{"$ref":"#/components/schemas/Message"},{"type":"null"}]}');
    const routes = Object.keys(doc.paths);
    expect(routes).toContain("/v1/usernames/{username}");
  });

  it("serves the human docs at /docs", async () => {
    const res = await call("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("text/html");
    expect(await res.text()).toContain("/openapi.json");
  });
});

describe("the API reference", () => {
  it("names the server it was asked at and tags every operation by resource", async () => {
    const doc = await json<{
      servers: { url: string }[] | null;
      tags: { name: string; description?: string }[];
      paths: Record<string, Record<string, { tags?: string[] }>>;
    }>(await call("/openapi.json"));
    expect(doc.servers).toEqual([expect.objectContaining({ url: "http://plaza.test" })]);
    const declared = new Set(doc.tags.map((t) => t.name));
    for (const name of ["Accounts", "Feed", "Media", "Rooms", "Inbox", "Tasks", "GPU backends", "Posts"])
      expect(declared).toContain(name);
    const untagged: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const tag = op.tags?.[0];
        if (!tag || tag === "Other" || !declared.has(tag)) untagged.push(`${method} ${path}`);
      }
    }
    expect(untagged).toEqual([]);
    expect(doc.paths["/v1/rooms/{id}/ws"]?.get?.tags).toEqual(["Rooms"]);
    expect(doc.paths["/v1/auth/login"]?.post?.tags).toEqual(["Accounts"]);
  });

  it("/docs loads only same-origin scripts and styles, and serves them", async () => {
    const res = await call("/docs");
    expect(res.status).toBe(200);
    const html = await res.text();
    const refs = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(refs.length).toBeGreaterThanOrEqual(2);
    for (const ref of refs) expect(ref, ref).toMatch(/^\/(?!\/)/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    for (const ref of refs) {
      const asset = await call(ref);
      expect(asset.status, ref).toBe(200);
      expect(asset.headers.get("Content-Type")).toMatch(/text\/(javascript|css)/);
    }
  });
});

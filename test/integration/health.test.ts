import { describe, expect, it } from "vitest";
import { call, expectProblem, json } from "../support/api";
import { version } from "../../package.json";

describe("operations routes", () => {
  it("GET /healthz answers ok with the version and a request id", async () => {
    const res = await call("/healthz");
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ ok: true, version });
    expect(res.headers.get("X-Request-Id")).toMatch(/^[\w-]+$/);
  });

  it("echoes a well-formed incoming X-Request-Id and replaces a malformed one", async () => {
    const kept = await call("/healthz", { headers: { "X-Request-Id": "trace-123" } });
    expect(kept.headers.get("X-Request-Id")).toBe("trace-123");
    const replaced = await call("/healthz", { headers: { "X-Request-Id": "bad id with spaces" } });
    expect(replaced.headers.get("X-Request-Id")).not.toBe("bad id with spaces");
  });

  it("sets the standard security headers", async () => {
    const res = await call("/healthz");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(res.headers.get("X-Frame-Options")).toBe("SAMEORIGIN");
    expect(res.headers.get("Strict-Transport-Security")).toContain("max-age=");
  });

  it("unknown API paths are problem+json 404 with the request id", async () => {
    const res = await call("/v1/nope");
    const problem = await expectProblem(res, 404, "not_found");
    expect((problem as unknown as { requestId: string }).requestId).toBe(res.headers.get("X-Request-Id"));
  });
});

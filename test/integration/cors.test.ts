// CORS on the API: an allowed Origin gets Access-Control-Allow-Origin on every answer (errors
// too), any other Origin gets none; preflights list the methods and headers a client may use.
import { describe, expect, it } from "vitest";
import { call, registerUser } from "../support/api";

const ALLOWED = "http://127.0.0.1:8787";
const OTHER = "https://evil.example";

describe("CORS", () => {
  it("allows a configured origin on success and on errors, and exposes the documented headers", async () => {
    const user = await registerUser("cors");
    const answers = [
      await call("/v1/me", { token: user.accessToken, headers: { Origin: ALLOWED } }),
      await call("/v1/me", { headers: { Origin: ALLOWED } }),
      await call("/v1/no-such-route", { headers: { Origin: ALLOWED } }),
    ];
    expect(answers.map((res) => res.status)).toEqual([200, 401, 404]);
    for (const res of answers) {
      expect(res.headers.get("Access-Control-Allow-Origin")).toBe(ALLOWED);
      expect(res.headers.get("Access-Control-Expose-Headers")).toBe(
        "X-Request-Id,Retry-After,X-Cache,Plaza-Bookmark,Plaza-D1-Queries",
      );
      expect(res.headers.get("Vary")).toContain("Origin");
      // The other middleware's headers survive on the same answer.
      expect(res.headers.get("X-Request-Id")).toBeTruthy();
      expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    }
  });

  it("sends no Allow-Origin to an origin that is not configured, or without an Origin", async () => {
    for (const headers of [{ Origin: OTHER }, {}] as Record<string, string>[]) {
      const res = await call("/v1/me", { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("Access-Control-Allow-Origin")).toBeNull();
    }
  });

  it("an empty or opaque (null) Origin gets no Allow-Origin, on answers and preflights alike", async () => {
    for (const origin of ["", "null"]) {
      const res = await call("/v1/me", { headers: { Origin: origin } });
      expect(res.headers.get("Access-Control-Allow-Origin")).toBeNull();
      const preflight = await call("/v1/posts", {
        method: "OPTIONS",
        headers: { Origin: origin, "Access-Control-Request-Method": "POST" },
      });
      expect(preflight.headers.get("Access-Control-Allow-Origin")).toBeNull();
    }
  });

  it("answers a preflight from an allowed origin with methods, headers and max age", async () => {
    const res = await call("/v1/posts", {
      method: "OPTIONS",
      headers: {
        Origin: ALLOWED,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Content-Type",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe(ALLOWED);
    expect(res.headers.get("Access-Control-Allow-Methods")).toBe("GET,POST,PUT,PATCH,DELETE,OPTIONS");
    expect(res.headers.get("Access-Control-Allow-Headers")).toBe(
      "Authorization,Content-Type,Idempotency-Key,X-Request-Id,Plaza-Bookmark",
    );
    expect(res.headers.get("Access-Control-Max-Age")).toBe("600");
    const refused = await call("/v1/posts", {
      method: "OPTIONS",
      headers: { Origin: OTHER, "Access-Control-Request-Method": "POST" },
    });
    expect(refused.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });
});

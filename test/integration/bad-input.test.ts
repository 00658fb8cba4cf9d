// Bad input gets the right 4xx problem+json and changes nothing.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem, registerUser, uniqueUsername } from "../support/api";

async function userCount(username: string): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM users WHERE username = ?")
    .bind(username)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe("request bodies", () => {
  it("malformed JSON is 400 malformed_json", async () => {
    const username = uniqueUsername("mj");
    const res = await call("/v1/auth/register", {
      body: `{"username": "${username}", "password": "password123"`,
      headers: { "Content-Type": "application/json" },
    });
    await expectProblem(res, 400, "malformed_json");
    expect(await userCount(username)).toBe(0);
  });

  it("a body that is JSON but not an object is 400 validation_failed", async () => {
    for (const body of ["[]", '"text"', "42", "null"]) {
      const res = await call("/v1/auth/register", { body, headers: { "Content-Type": "application/json" } });
      await expectProblem(res, 400, "validation_failed");
    }
  });

  it("non-UTF-8 bytes are 400 invalid_encoding and store nothing", async () => {
    const username = uniqueUsername("enc");
    const prefix = new TextEncoder().encode(`{"username":"${username}","password":"pass`);
    const suffix = new TextEncoder().encode(`word"}`);
    const bytes = new Uint8Array([...prefix, 0xff, 0xfe, ...suffix]);
    const res = await call("/v1/auth/register", { body: bytes, headers: { "Content-Type": "application/json" } });
    await expectProblem(res, 400, "invalid_encoding");
    expect(await userCount(username)).toBe(0);
  });

  it("a missing or wrong Content-Type is 415", async () => {
    const body = JSON.stringify({ username: uniqueUsername("ct"), password: "password123" });
    await expectProblem(
      await call("/v1/auth/register", { body, headers: { "Content-Type": "text/plain" } }),
      415,
      "unsupported_media_type",
    );
    await expectProblem(await call("/v1/auth/register", { body }), 415, "unsupported_media_type");
  });

  it("a missing body is 400 validation_failed", async () => {
    await expectProblem(
      await call("/v1/auth/login", { method: "POST", headers: { "Content-Type": "application/json" } }),
      400,
      "malformed_json",
    );
  });

  it("validation errors name the offending fields", async () => {
    const res = await call("/v1/auth/register", { body: { username: "NO", password: 1, extra: "x" } });
    const problem = await expectProblem(res, 400, "validation_failed");
    const paths = problem.errors?.map((e) => e.path).join(" ");
    expect(paths).toContain("username");
    expect(paths).toContain("password");
  });

  it("absurd lengths inside the byte limit are 400, not 500", async () => {
    const res = await call("/v1/auth/register", { body: { username: "a".repeat(60_000), password: "password123" } });
    await expectProblem(res, 400, "validation_failed");
  });
});

describe("body size limits (MAX_BODY_BYTES = 65536)", () => {
  const big = JSON.stringify({ username: uniqueUsername("big"), password: "p".repeat(70_000) });

  it("a body over the limit with Content-Length is 413", async () => {
    const res = await call("/v1/auth/register", { body: big, headers: { "Content-Type": "application/json" } });
    const problem = await expectProblem(res, 413, "payload_too_large");
    expect(problem).toMatchObject({ limitBytes: 65536 });
  });

  it("a chunked body over the limit (no Content-Length) is 413", async () => {
    const chunk = new TextEncoder().encode("x".repeat(16_384));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 8) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const res = await call("/v1/auth/register", { body: stream, headers: { "Content-Type": "application/json" } });
    await expectProblem(res, 413, "payload_too_large");
  });

  it("a chunked body under the limit is read normally", async () => {
    const username = uniqueUsername("chunk");
    const text = JSON.stringify({ username, password: "password123" });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = new TextEncoder().encode(text);
        controller.enqueue(bytes.slice(0, 10));
        controller.enqueue(bytes.slice(10));
        controller.close();
      },
    });
    const res = await call("/v1/auth/register", { body: stream, headers: { "Content-Type": "application/json" } });
    expect(res.status).toBe(201);
    expect(await userCount(username)).toBe(1);
  });
});

describe("paths and methods", () => {
  it("a malformed id in a path is 400 validation_failed", async () => {
    const u = await registerUser("path");
    await expectProblem(await call("/v1/users/not-an-id", { token: u.accessToken }), 400, "validation_failed");
  });

  it("an unknown method on a known path is a 404 problem", async () => {
    await expectProblem(await call("/v1/me", { method: "PUT" }), 404, "not_found");
  });
});

// POST /v1/push/subscriptions refuses endpoints that are not public hosts or not on the
// configured push services (issue 14.3: the inbox connects there, a blind SSRF). The test
// config sets PUSH_SERVICE_HOSTS to the test push service's host, push.plaza.test.
import { describe, expect, it } from "vitest";
import { call, expectProblem, registerUser } from "../support/api";

const keys = { p256dh: "B".repeat(87), auth: "A".repeat(22) };

describe("push subscription endpoints", () => {
  it.each([
    "https://127.0.0.1:8787/v1/me",
    "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.1/x",
    "https://100.64.0.1/x",
    "https://[::1]/x",
    "https://[::ffff:7f00:1]/x",
    "https://[fd00::1]/x",
    "https://[fe80::1]/x",
    "https://localhost/x",
    "https://push.localhost/x",
    "https://metadata.internal/x",
    "https://nas.local/x",
  ])("refuses %s: 422 push_endpoint_not_public", async (endpoint) => {
    const u = await registerUser("pe");
    const res = await call("/v1/push/subscriptions", { token: u.accessToken, body: { endpoint, keys } });
    await expectProblem(res, 422, "push_endpoint_not_public");
  });

  it("refuses a public host that is not a configured push service: 422 push_service_not_allowed", async () => {
    const u = await registerUser("pe");
    for (const endpoint of ["https://evil.example.com/x", "https://push.plaza.test.evil.example/x"]) {
      const res = await call("/v1/push/subscriptions", { token: u.accessToken, body: { endpoint, keys } });
      await expectProblem(res, 422, "push_service_not_allowed");
    }
    const list = await call("/v1/push/subscriptions", { token: u.accessToken });
    expect(await list.json()).toEqual({ items: [] });
  });

  it("accepts the configured push service", async () => {
    const u = await registerUser("pe");
    const endpoint = `https://push.plaza.test/push/${crypto.randomUUID()}`;
    const res = await call("/v1/push/subscriptions", { token: u.accessToken, body: { endpoint, keys } });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ endpoint });
  });
});

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { benchRoute } from "../../src/bench/routes";
import { call } from "../support/api";

describe("bench baseline route", () => {
  it("is off by default (BENCH_ROUTES = off): the path falls through to the API's 404", async () => {
    expect((await call("/__bench/json")).status).toBe(404);
    expect((await call("/__bench/json", { method: "POST", body: { a: 1 } })).status).toBe(404);
  });

  it("when on, returns the JSON it was given, and ignores other paths", async () => {
    const on = { ...env, BENCH_ROUTES: "on" } as unknown as Env;
    const body = JSON.stringify({ id: "x", username: "bench" });
    const stored = await benchRoute(new Request("http://p/__bench/json", { method: "POST", body }), on);
    expect(stored?.status).toBe(204);
    const res = await benchRoute(new Request("http://p/__bench/json"), on);
    expect(await res?.text()).toBe(body);
    expect(await benchRoute(new Request("http://p/healthz"), on)).toBeUndefined();
  });
});

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";

const secrets = {
  JWT_SECRET: "s".repeat(32),
  PASSWORD_PEPPER: "p".repeat(32),
  BACKEND_TOKEN: "b".repeat(32),
};

describe("configuration", () => {
  it("has safe defaults for every var", () => {
    const config = loadConfig({ ...secrets } as unknown as Env);
    expect(config).toMatchObject({
      logLevel: "info",
      jwt: { issuer: "plaza", audience: "plaza-api", accessTtlSeconds: 900 },
      refreshTtlSeconds: 30 * 86_400,
      password: { iterations: 100_000 },
      maxBodyBytes: 65_536,
      allowedOrigins: ["http://127.0.0.1:8787", "http://localhost:8787"],
    });
  });

  it("reads the test runtime's wrangler.toml vars", () => {
    expect(loadConfig(env).password.iterations).toBe(100_000);
  });

  it("refuses malformed values and missing or short secrets", () => {
    expect(() => loadConfig({ ...secrets, MAX_BODY_BYTES: "lots" } as unknown as Env)).toThrow();
    expect(() => loadConfig({ ...secrets, PASSWORD_ITERATIONS: "200000" } as unknown as Env)).toThrow();
    expect(() =>
      loadConfig({ PASSWORD_PEPPER: secrets.PASSWORD_PEPPER, BACKEND_TOKEN: secrets.BACKEND_TOKEN } as unknown as Env),
    ).toThrow(/JWT_SECRET/);
    expect(() => loadConfig({ ...secrets, JWT_SECRET: "short" } as unknown as Env)).toThrow(/32/);
  });

  it("splits and trims ALLOWED_ORIGINS", () => {
    const config = loadConfig({
      ...secrets,
      ALLOWED_ORIGINS: " https://a.example , ,https://b.example",
    } as unknown as Env);
    expect(config.allowedOrigins).toEqual(["https://a.example", "https://b.example"]);
  });
});

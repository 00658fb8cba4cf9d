// Tests run inside workerd against the real bindings from wrangler.toml (D1, KV, R2,
// Queues, Durable Objects, rate limiters), with fixed test secrets instead of .dev.vars.
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const testSecrets = {
  JWT_SECRET: "test-jwt-secret-test-jwt-secret-test-jwt-secret",
  PASSWORD_PEPPER: "test-pepper-test-pepper-test-pepper-0000",
  BACKEND_TOKEN: "test-backend-token-test-backend-token-00",
  // ---- im: a P-256 VAPID key pair for tests only (its public half is a var below).
  VAPID_PRIVATE_KEY: "5QSb06NIT81YJF9C7CcKiySC1vma4uVjZbhvrdSpHgg",
};
// wrangler reads required secrets from process.env when there is no .dev.vars (as in CI).
Object.assign(process.env, testSecrets);

// ---- im: pushes go to https://push.plaza.test (push endpoints are HTTPS); the test push
// service (test/node/push-service.ts, a globalSetup) listens on a free local port instead.
const PUSH_HOST = "push.plaza.test";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("migrations");
  return {
    plugins: [
      cloudflareTest(({ inject }) => {
        const pushServiceUrl = inject("pushServiceUrl");
        return {
          wrangler: { configPath: "./wrangler.toml" },
          miniflare: {
            bindings: {
              TEST_MIGRATIONS: migrations,
              ...testSecrets,
              // Request lines would drown the test output; warnings and errors still show.
              LOG_LEVEL: "warn",
              VAPID_PUBLIC_KEY: "BPynj02itmedu2bs2iWsllSmD8RW55rzvufGrk3uUDjcEt3L1Vo4i9ZIpbbDcKV3JgxVuwfTwbK0UGgOD30xz1Q",
            },
            outboundService: async (request: Request) => {
              const url = new URL(request.url);
              const target = url.host === PUSH_HOST ? new URL(url.pathname + url.search, pushServiceUrl) : url;
              const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
              return fetch(target, { method: request.method, headers: request.headers, body });
            },
          },
        };
      }),
    ],
    test: {
      include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
      setupFiles: ["./test/support/apply-migrations.ts"],
      globalSetup: ["./test/node/push-service.ts"],
      testTimeout: 20_000,
      hookTimeout: 30_000,
    },
  };
});

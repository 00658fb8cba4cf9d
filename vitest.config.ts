// Two test projects: "workerd" runs inside workerd against the real bindings from
// wrangler.toml (D1, KV, R2, Queues, Durable Objects, rate limiters), with fixed test secrets
// instead of .dev.vars; "node" runs in Node against a real `npm start` server (test/node).
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const testSecrets = {
  JWT_SECRET: "test-jwt-secret-test-jwt-secret-test-jwt-secret",
  PASSWORD_PEPPER: "test-pepper-test-pepper-test-pepper-0000",
  BACKEND_TOKEN: "test-backend-token-test-backend-token-00",
};
// wrangler reads required secrets from process.env when there is no .dev.vars (as in CI).
Object.assign(process.env, testSecrets);

export default defineConfig(async () => {
  const migrations = await readD1Migrations("migrations");
  return {
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest(({ inject }) => {
              // ---- tasks: the reference backend and the callback relay (test/setup/reference-backend.ts).
              const backendUrl = inject("backendUrl");
              const relayUrl = inject("relayUrl");
              return {
                wrangler: { configPath: "./wrangler.toml" },
                miniflare: {
                  bindings: {
                    TEST_MIGRATIONS: migrations,
                    ...testSecrets,
                    // Request lines would drown the test output; warnings and errors still show.
                    LOG_LEVEL: "warn",
                    TEST_BACKEND_URL: backendUrl,
                    TEST_RELAY_URL: relayUrl,
                    BACKENDS: JSON.stringify([
                      { id: "ref-llm", url: backendUrl, protocol: "openai", capabilities: ["llm.chat"], capacity: 8 },
                      { id: "ref-jobs", url: backendUrl, protocol: "plaza-job", capabilities: ["image.thumbnail"], capacity: 4 },
                    ]),
                    PUBLIC_URL: relayUrl,
                    TASK_SILENCE_SECONDS: "2",
                    TASK_NO_BACKEND_DELAY_SECONDS: "1",
                    BREAKER_FAILURE_THRESHOLD: "3",
                    BREAKER_COOLDOWN_SECONDS: "1",
                    TASK_RESULT_INLINE_BYTES: "1024",
                  },
                },
              };
            }),
          ],
          test: {
            name: "workerd",
            include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
            setupFiles: ["./test/support/apply-migrations.ts"],
            globalSetup: ["./test/setup/reference-backend.ts"],
            testTimeout: 20_000,
            hookTimeout: 30_000,
          },
        },
        {
          test: {
            name: "node",
            include: ["test/node/**/*.test.ts"],
            environment: "node",
            // These tests build the Worker and start real servers (a few seconds each on 2 cores).
            testTimeout: 120_000,
            hookTimeout: 120_000,
          },
        },
      ],
    },
  };
});

// Two test projects: "workerd" runs inside workerd against the real bindings from
// wrangler.toml (D1, KV, R2, Queues, Durable Objects, rate limiters), with fixed test secrets
// instead of .dev.vars; "node" runs in Node against a real `npm start` server (test/node).
// Things outside Plaza that the workerd tests talk to are real local servers started by
// globalSetup files in test/setup/: the reference GPU backend (+ callback relay) and a Web
// Push service.
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const testSecrets = {
  JWT_SECRET: "test-jwt-secret-test-jwt-secret-test-jwt-secret",
  PASSWORD_PEPPER: "test-pepper-test-pepper-test-pepper-0000",
  BACKEND_TOKEN: "test-backend-token-test-backend-token-00",
  // A P-256 VAPID key pair for tests only (its public half is a var below).
  VAPID_PRIVATE_KEY: "5QSb06NIT81YJF9C7CcKiySC1vma4uVjZbhvrdSpHgg",
};
// wrangler reads required secrets from process.env when there is no .dev.vars (as in CI).
Object.assign(process.env, testSecrets);

// Pushes go to https://push.plaza.test (push endpoints are HTTPS); the test push
// service (test/setup/push-service.ts) listens on a free local port instead.
const PUSH_HOST = "push.plaza.test";

/** Outbound fetches of the push test project: the push host goes to the local push service. */
function pushServiceRoute(pushServiceUrl: string) {
  return async (request: Request) => {
    const url = new URL(request.url);
    const target = url.host === PUSH_HOST ? new URL(url.pathname + url.search, pushServiceUrl) : url;
    const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
    return fetch(target, { method: request.method, headers: request.headers, body });
  };
}

export default defineConfig(async () => {
  const migrations = await readD1Migrations("migrations");
  /** A workerd project over `include`; `routePush` sends the push host to the local push service. */
  const workerdProject = (name: string, include: string[], exclude: string[], routePush: boolean) => ({
    plugins: [
      cloudflareTest(({ inject }) => {
        // The reference backend and the callback relay (test/setup/reference-backend.ts).
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
                {
                  id: "ref-jobs",
                  url: backendUrl,
                  protocol: "plaza-job",
                  capabilities: ["image.thumbnail"],
                  capacity: 4,
                },
              ]),
              PUBLIC_URL: relayUrl,
              TASK_SILENCE_SECONDS: "2",
              TASK_NO_BACKEND_DELAY_SECONDS: "1",
              BREAKER_FAILURE_THRESHOLD: "3",
              BREAKER_COOLDOWN_SECONDS: "1",
              TASK_RESULT_INLINE_BYTES: "1024",
              // Short, so tests see an inbox stop listening once its devices are gone.
              IM_INBOX_LINGER_MS: "1500",
              // The push test service's host is the only push service the tests send to.
              PUSH_SERVICE_HOSTS: PUSH_HOST,
              // Pre-publish moderation: a word list and the fake hook (test/setup/moderation-hook.ts).
              MODERATION_BLOCKED_TERMS: "plazaforbidden,buy cheap pills",
              MODERATION_HOOK_URL: inject("moderationHookUrl"),
              MODERATION_HOOK_TIMEOUT_MS: "200",
              MODERATION_HOOK_FAILURE: "open",
              VAPID_PUBLIC_KEY:
                "BPynj02itmedu2bs2iWsllSmD8RW55rzvufGrk3uUDjcEt3L1Vo4i9ZIpbbDcKV3JgxVuwfTwbK0UGgOD30xz1Q",
            },
            // Only the push project proxies outbound fetches: a proxy in Node would hide a
            // client abort from the GPU backend (the task cancel tests check that it sees one).
            ...(routePush ? { outboundService: pushServiceRoute(inject("pushServiceUrl")) } : {}),
          },
        };
      }),
    ],
    test: {
      name,
      include,
      exclude,
      setupFiles: ["./test/support/apply-migrations.ts"],
      globalSetup: [
        "./test/setup/reference-backend.ts",
        "./test/setup/push-service.ts",
        "./test/setup/moderation-hook.ts",
      ],
      testTimeout: 20_000,
      hookTimeout: 30_000,
    },
  });
  const pushTests = ["test/integration/im-push.test.ts", "test/integration/room-settings-push.test.ts"];
  return {
    test: {
      projects: [
        workerdProject("workerd", ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"], pushTests, false),
        workerdProject("workerd-push", pushTests, [], true),
        {
          test: {
            name: "node",
            // ---- web: test/web is the SDK against a real npm start (the browser suite is test/e2e, `npm run test:e2e`).
            include: ["test/node/**/*.test.ts", "test/web/**/*.test.ts"],
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

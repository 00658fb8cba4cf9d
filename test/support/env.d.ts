// Bindings that exist only in tests (vitest.config.ts).
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
}
// ---- im: the local test push service (test/node/push-service.ts).
declare namespace Cloudflare {
  interface Env {
    TEST_PUSH_SERVICE_URL: string;
  }
}

// Bindings the task tests add (vitest.config.ts): where the reference backend and the relay listen.
declare namespace Cloudflare {
  interface Env {
    TEST_BACKEND_URL: string;
    TEST_RELAY_URL: string;
  }
}

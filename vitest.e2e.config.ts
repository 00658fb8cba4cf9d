// The browser suite (`npm run test:e2e`): Debian's Chromium driven by playwright-core against
// a real `npm start` that the suite starts (and restarts) itself. Not part of `npm test`.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "e2e",
    include: ["test/e2e/**/*.test.ts"],
    environment: "node",
    fileParallelism: false,
    // Every wait inside is bounded on its own; these are the outer limits (a server start is ~20 s on 2 cores).
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});

import { defineConfig } from "vitest/config";

// One suite for everything: unit, CPU differential, userland differential
// and the browser tests (Playwright drives Debian's Chromium from Node).
// `npm test` runs scripts/setup.ts --test first, so build/ and images/ exist.
export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    reporters: ["default"],
  },
});

// Unit and integration tests (`npm test`). Browser tests have their own config in tests/e2e/.
import { defineConfig } from "vitest/config";

// Dates in tests are civil dates in China; pin the zone so no test depends on the machine's.
process.env.TZ = "Asia/Shanghai";

export default defineConfig({
  test: {
    root: new URL("..", import.meta.url).pathname,
    include: ["tests/unit/**/*.test.ts", "tests/integration/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    env: { TZ: "Asia/Shanghai" },
  },
});

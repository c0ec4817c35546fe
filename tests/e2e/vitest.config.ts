// Browser tests of the built site (dist/): `npm run build` first, then `npm run test:e2e`.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // *.e2e.ts, not *.test.ts, so that the unit run (`vitest run`) does not pick them up.
    include: ["tests/e2e/**/*.e2e.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    env: { TZ: "Asia/Shanghai" },
  },
});

import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: [
      "packages/**/test/**/*.test.ts",
      "services/**/test/**/*.test.ts",
      "test/**/*.test.ts"
    ],
    exclude: ["**/node_modules/**", ".tributary/**"],
    globalSetup: ["packages/testkit/src/globalSetup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    poolOptions: { forks: { maxForks: 3, minForks: 1 } },
    reporters: ["default"]
  }
})

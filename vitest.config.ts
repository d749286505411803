import { defineConfig } from "vitest/config";

// GPU tests (test/gpu) need a GPU machine: `npm run test:gpu` sets VRAMGATE_GPU_TESTS=1.
const gpu = process.env.VRAMGATE_GPU_TESTS === "1";

export default defineConfig({
  test: {
    include: gpu ? ["test/gpu/**/*.test.ts"] : ["test/**/*.test.ts"],
    exclude: gpu ? ["node_modules/**"] : ["test/gpu/**", "node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Fails any test that asserts nothing (test/setup/every-test-asserts.ts).
    setupFiles: ["test/setup/every-test-asserts.ts"],
  },
});

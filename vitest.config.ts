import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start servers on loopback ports; keep files from competing for 2 cores.
    fileParallelism: true,
    maxWorkers: 2,
    // A test that writes to the console fails, naming the lines: it asserts on its output instead.
    setupFiles: ["test/setup/console-guard.ts"],
    // The JSON report lets .ci/run print a plain "N passed, N failed" line.
    reporters: ["default", "json"],
    outputFile: { json: ".local/test-results.json" },
  },
});

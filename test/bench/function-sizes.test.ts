import { describe, expect, it } from "vitest";
import { functionSizes } from "../../bench/capture";

// The comparison bundle is built from a source text, out of reach of the type checker: a moved module
// broke this step of npm run bench once, 18 minutes into a run.
describe("npm run bench: the deployed-size step", () => {
  it(
    "measures every built function and builds the AWS SDK comparison from today's module paths",
    { timeout: 60_000 },
    async () => {
      const sizes = await functionSizes();
      expect(sizes.functions.map((f) => f.name)).toContain("publishChangeToKinesis.js");
      for (const f of sizes.functions) expect(f.gzipBytes).toBeLessThan(f.bytes);
      // The SDK-built producer is far larger than ours (about 1.2 MB): it bundled, it did not fail.
      expect(sizes.sdk.bytes).toBeGreaterThan(500 * 1024);
    },
  );
});

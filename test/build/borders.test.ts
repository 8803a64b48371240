import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

/**
 * The source's borders (eslint.config.js): src/core holds logic and ports; capture and the webhook share
 * only src/core/stream-format; adapters never reach the local runtime.
 */
describe("source borders", () => {
  it("src/core and src/adapters import only what their layer may", async () => {
    const eslint = new ESLint();
    const results = await eslint.lintFiles(["src/core/**/*.ts", "src/adapters/**/*.ts"]);
    const problems = results.flatMap((result) => result.messages.map((m) => `${result.filePath}:${m.line} ${m.ruleId}: ${m.message}`));
    expect(problems).toEqual([]);
    expect(results.length).toBeGreaterThan(40);
  });

  it.each([
    { name: "a signer in the core", file: "src/core/capture/probe.ts", code: 'import aws4 from "aws4";\nexport const x = aws4;\n' },
    { name: "HTTP in the core", file: "src/core/firehose/probe.ts", code: 'import { request } from "node:http";\nexport const x = request;\n' },
    { name: "the driver in the core", file: "src/core/probe.ts", code: 'import type { MongoClient } from "mongodb";\nexport type X = MongoClient;\n' },
    { name: "the embedded store in the core", file: "src/core/firehose/probe.ts", code: 'import { EmbeddedStore } from "../../embedded/store";\nexport const x = EmbeddedStore;\n' },
    { name: "an adapter in the core", file: "src/core/capture/probe.ts", code: 'import { createKinesisClient } from "../../adapters/kinesis/sigv4-client";\nexport const x = createKinesisClient;\n' },
    { name: "the local runtime in an adapter", file: "src/adapters/node-http/probe.ts", code: 'import { LocalRuntime } from "../../local/runtime";\nexport const x = LocalRuntime;\n' },
    { name: "capture code in the webhook", file: "src/core/firehose/probe.ts", code: 'import { buildKinesisRecord } from "../capture/publish/kinesis-record";\nexport const x = buildKinesisRecord;\n' },
    { name: "webhook code in capture", file: "src/core/capture/probe.ts", code: 'import { buildRouting } from "../firehose/apply/routing";\nexport const x = buildRouting;\n' },
    { name: "webhook code in capture, from a subfolder", file: "src/core/capture/publish/probe.ts", code: 'import { planWrites } from "../../firehose/plan-writes";\nexport const x = planWrites;\n' },
    { name: "capture code in the stream format", file: "src/core/stream-format/probe.ts", code: 'import { heartbeatOnStreamId } from "../capture/publish/put-status";\nexport const x = heartbeatOnStreamId;\n' },
    { name: "a signer in the stream format", file: "src/core/stream-format/probe.ts", code: 'import aws4 from "aws4";\nexport const x = aws4;\n' },
  ])("the lint refuses $name", async ({ file, code }) => {
    const [result] = await new ESLint().lintText(code, { filePath: file });
    expect(result.messages.map((m) => m.ruleId)).toContain("no-restricted-imports");
  });
});

import { ESLint } from "eslint";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  bundleAllFunctions,
  bundleFunction,
  bundleFunctionContents,
  functionNames,
  reportPageFor,
} from "../../scripts/build";
import { BUNDLE_LIMIT_BYTES, REPORT_PAGE } from "../../scripts/bundle-report";

describe("built App Services functions", () => {
  const names = functionNames();

  it("there is a built file for every entry in src/functions, listed in functions/config.json", () => {
    const config = JSON.parse(readFileSync("functions/config.json", "utf8")) as { name: string }[];
    expect(names.length).toBeGreaterThan(0);
    // Functions brought in from the Atlas UI by `npm run pull` may be listed too; ours must all be.
    expect(config.map((entry) => entry.name)).toEqual(expect.arrayContaining(names));
  });

  it.each(functionNames())("functions/%s.js is exactly what npm run build produces (no drift, no UI edits)", async (name) => {
    const committed = readFileSync(`functions/${name}.js`, "utf8");
    expect(committed === (await bundleFunction(name)), `functions/${name}.js differs from a fresh build: run npm run build`).toBe(true);
  });

  it(`every function is at most ${BUNDLE_LIMIT_BYTES / 1024} KiB, and ${REPORT_PAGE} says what each holds as a fresh build does`, async () => {
    const bundles = await bundleAllFunctions();
    expect(bundles.map((b) => b.name)).toEqual(names);
    const over = bundles.filter((b) => b.fileBytes > BUNDLE_LIMIT_BYTES).map((b) => `${b.name}: ${b.fileBytes} bytes`);
    expect(over, `see the table in ${REPORT_PAGE}`).toEqual([]);
    // Each file's bytes are the modules esbuild says it holds, plus the loader.
    for (const b of bundles) expect(b.fileBytes).toBe(Buffer.byteLength(readFileSync(`functions/${b.name}.js`, "utf8")));
    expect(readFileSync(REPORT_PAGE, "utf8") === reportPageFor(bundles), `${REPORT_PAGE}'s bundle report is stale: run npm run build`).toBe(true);
  });

  it("the webhook's two functions divide its work: no planning or writing in receiveFirehoseDelivery, no reading of a request in applyFirehoseRecords", async () => {
    // docs/webhook.md#on-app-services; the core's apply step is injected, so esbuild leaves out what a function never calls.
    const holds = async (name: string) => Object.keys((await bundleFunctionContents(name)).modules);
    const apply = [
      "src/core/firehose/apply/plan-writes.ts",
      "src/core/firehose/apply/apply-records.ts",
      "src/core/firehose/apply/document-limits.ts",
      "src/core/firehose/formats/record-formats.ts",
    ];
    const read = [
      "src/core/firehose/protocol/read-delivery.ts",
      "src/core/firehose/protocol/scan-delivery-body.ts",
      "src/core/ejson/parse-extended-json.ts",
      "src/core/firehose/dead-letters/dead-letters.ts",
      "src/core/firehose/reconcile/sweep.ts",
    ];
    const receiving = await holds("receiveFirehoseDelivery");
    const applying = await holds("applyFirehoseRecords");
    expect(receiving.filter((path) => apply.includes(path))).toEqual([]);
    expect(applying.filter((path) => read.includes(path))).toEqual([]);
    // Each does hold its own half (so the lists above name modules that exist).
    expect(read.filter((path) => !receiving.includes(path))).toEqual([]);
    expect(apply.filter((path) => !applying.includes(path))).toEqual([]);
  });

  it("every bundle passes the App Services runtime lint (ES2018, Node 10.18.1, no unsupported built-ins)", async () => {
    const eslint = new ESLint();
    // The built bundles only: a function brought in from the Atlas UI is the user's own code.
    const results = await eslint.lintFiles(names.map((name) => `functions/${name}.js`));
    const problems = results.flatMap((result) => result.messages.map((m) => `${result.filePath}:${m.line} ${m.ruleId}: ${m.message}`));
    expect(problems).toEqual([]);
    expect(results.length).toBe(names.length);
  });

  it.each([
    ["BigInt", "exports = function () { return BigInt(1); };", "es-x/no-bigint"],
    ["a Proxy", "exports = function () { return new Proxy({}, {}); };", "es-x/no-proxy"],
    ["TextDecoder", "exports = function () { return new TextDecoder(); };", "no-restricted-globals"],
    ["optional chaining", "exports = function (a) { return a?.b; };", "es-x/no-optional-chaining"],
    ["a module App Services lacks", 'exports = function () { return require("child_process"); };', "no-restricted-syntax"],
    ["a bundled-elsewhere package", 'exports = function () { return require("bson"); };', "no-restricted-syntax"],
    ["the module global", "module.exports = function () {};", "no-restricted-globals"],
    ["Array.from", "exports = function (s) { return Array.from(s); };", "es-x/no-array-from"],
    ["a Node API newer than 10.18", 'exports = function () { return require("fs").promises.rm; };', "n/no-unsupported-features/node-builtins"],
  ])("the lint catches %s", async (_name, code, rule) => {
    const eslint = new ESLint();
    const [result] = await eslint.lintText(code, { filePath: "functions/probe.js" });
    expect(result.messages.map((m) => m.ruleId)).toContain(rule);
  });
});

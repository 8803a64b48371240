import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run, userEnv } from "../helpers/command";
import { createConsoleGuard } from "../setup/console-output";

describe("the console guard (test/setup/console-guard.ts)", () => {
  it("records console methods and raw stream writes once each, passes them through, and restores on uninstall", () => {
    const passed: string[] = [];
    const stream = (name: string) => ({
      write: (chunk: unknown) => {
        passed.push(`${name}:${String(chunk)}`);
        return true;
      },
    });
    const streams = { stdout: stream("out"), stderr: stream("err") };
    // A console whose methods write through the streams, as Node's does.
    const fake = {
      log: (...args: unknown[]) => streams.stdout.write(`${args.join(" ")}\n`),
      warn: (...args: unknown[]) => streams.stderr.write(`${args.join(" ")}\n`),
    };
    const { log: originalLog } = fake;
    const guard = createConsoleGuard({ console: fake, streams: streams as never });
    guard.install();
    fake.log("peak RSS", 12);
    fake.warn({ level: "warn", msg: "x" });
    streams.stdout.write('{"_aws":{}}\n');
    expect(guard.take()).toEqual([
      "console.log: peak RSS 12",
      'console.warn: {"level":"warn","msg":"x"}',
      'process.stdout: {"_aws":{}}',
    ]);
    expect(guard.take()).toEqual([]);
    expect(passed).toEqual(["out:peak RSS 12\n", "err:[object Object]\n", 'out:{"_aws":{}}\n']);
    guard.uninstall();
    expect(fake.log).toBe(originalLog);
    fake.log("after");
    expect(guard.take()).toEqual([]);
  });

  it("fails, by name, each test of a vitest run that wrote to the console, and the whole file when it printed while loading", async () => {
    const folder = mkdtempSync(join(tmpdir(), "akb-console-guard-"));
    const report = join(folder, "report.json");
    try {
      const result = await run(
        process.execPath,
        ["node_modules/vitest/vitest.mjs", "run", "--config", "test/fixtures/console-guard/vitest.config.ts"],
        { env: userEnv({ CONSOLE_GUARD_REPORT: report }), timeoutMs: 120_000 },
      );
      expect(result.code, result.stderr).toBe(1);
      const { testResults } = JSON.parse(readFileSync(report, "utf8")) as {
        testResults: {
          name: string;
          message: string;
          assertionResults: { title: string; status: string; failureMessages: string[] }[];
        }[];
      };
      const outcome = Object.fromEntries(
        testResults.flatMap((file) =>
          file.assertionResults.map((test) => [test.title, `${test.status}: ${test.failureMessages.join("\n")}`]),
        ),
      );
      expect(outcome["stays quiet"]).toBe("passed: ");
      expect(outcome["logs a figure"]).toMatch(
        /^failed: Error: the test "logs a figure" wrote to the console .*\n {2}console\.log: peak RSS \+12 MiB/,
      );
      expect(outcome["writes a metric line to stdout"]).toMatch(/\n {2}process\.stdout: \{"_aws":\{\}\}/);
      expect(outcome["warns"]).toMatch(/\n {2}console\.warn: deprecated option/);
      expect(outcome["emits a Node deprecation warning"]).toMatch(
        /\n {2}process\.stderr: \(node:\d+\) DeprecationWarning: an old API/,
      );
      // A failed beforeAll fails the file and skips its tests.
      const noisy = testResults.find((file) => file.name.endsWith("loads-noisily.fixture.ts"))!;
      expect(noisy.message).toMatch(
        /^loading this file wrote to the console .*\n {2}console\.warn: MONGODB_URI is not set$/,
      );
      expect(outcome["is failed by the line its file printed while loading"]).toBe("skipped: ");
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }, 120_000);
});

import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

/**
 * No function over 100 lines in src/ or scripts/, blank lines and comments counted (eslint.config.js,
 * max-lines-per-function): a longer one does several things; split it into named functions.
 */
describe("function length", () => {
  it("no function in src/ or scripts/ is over 100 lines", async () => {
    const results = await new ESLint().lintFiles(["src/**/*.ts", "scripts/**/*.ts"]);
    const problems = results.flatMap((result) =>
      result.messages
        .filter((m) => m.ruleId === "max-lines-per-function" || m.fatal)
        .map((m) => `${result.filePath}:${m.line} ${m.message}`),
    );
    expect(problems).toEqual([]);
    expect(results.length).toBeGreaterThan(200);
  }, 120_000);

  /** A function whose body has `lines` lines (the declaration and the closing brace count too). */
  const fn = (head: string, lines: number, line: string) =>
    `${head}\n${Array.from({ length: lines - 2 }, () => line).join("\n")}\n}${head.endsWith("=> {") ? ");" : ""}\n`;
  const statement = "  console.log(1);";

  it.each([
    { name: "a 101-line function in src/", file: "src/local/probe.ts", code: fn("export function f() {", 101, statement), refused: true },
    { name: "a 101-line function in scripts/", file: "scripts/probe.ts", code: fn("export function f() {", 101, statement), refused: true },
    { name: "a 101-line command callback", file: "src/bin/probe.ts", code: fn("run(async () => {", 101, statement), refused: true },
    { name: "a function made long by blank lines", file: "src/cli/probe.ts", code: fn("export function f() {", 101, ""), refused: true },
    { name: "a function made long by comments", file: "src/core/probe.ts", code: fn("export function f() {", 101, "  // why"), refused: true },
    { name: "a 100-line function", file: "src/local/probe.ts", code: fn("export function f() {", 100, statement), refused: false },
  ])("$name is refused: $refused", async ({ file, code, refused }) => {
    const [result] = await new ESLint().lintText(code, { filePath: file });
    expect(result.messages.filter((m) => m.fatal)).toEqual([]);
    expect(result.messages.some((m) => m.ruleId === "max-lines-per-function")).toBe(refused);
  });
});

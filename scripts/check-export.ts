/**
 * `npm run check [folder]`: validates an App Services app before any push (this repository's root by
 * default), and runs as part of npm test. The checks live in scripts/check/ (one checker per part of an
 * app, the schemas as data); this file is the command.
 * Problems are what a push would refuse or what breaks this project's functions (exit 1); warnings are
 * printed and do not fail.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { defineCommand, readCommandLine } from "../src/cli/command-line";
import { checkApp } from "./check/check-app";

export type { ExportReport, Layout } from "./check/app";
export { checkApp } from "./check/check-app";
export { FUNCTION_VALUES } from "./check/parts/ours";

/** The problems only (what `npm run deploy` stops on). */
export function checkExport(root: string): string[] {
  return checkApp(root).problems;
}

const checkCommand = defineCommand({
  command: "npm run check",
  summary:
    "Validates an App Services app in either export layout (realm-cli's or the appservices CLI's, and names the older ones) against the documented formats; this repository's export by default.",
  arguments: { name: "folder", description: "the app folder to check (default: this repository)", min: 0, max: 1 },
  options: {},
  notes: ["exit codes: 0 valid (warnings allowed), 1 problems found or no such folder, 2 a usage error."],
});

function main(): number {
  const { positionals } = readCommandLine(checkCommand);
  const folder = resolve(positionals[0] || resolve(import.meta.dirname, ".."));
  if (!existsSync(folder)) {
    console.error(`check: ${positionals[0]}: no such folder`);
    return 1;
  }
  const report = checkApp(folder);
  for (const warning of report.warnings) console.warn(`warning: ${warning}`);
  for (const problem of report.problems) console.error(problem);
  if (report.problems.length > 0) {
    console.error(`\n${report.problems.length} problem(s) in the App Services app at ${folder}`);
    return 1;
  }
  console.log(
    `App Services app (${report.layout} layout): OK${report.warnings.length > 0 ? `, ${report.warnings.length} warning(s)` : ""}`,
  );
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) process.exit(main());

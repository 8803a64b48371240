/**
 * `npm run docs`: regenerates docs/configuration.md's reference from the settings tables and records
 * it in generated-files.json (scripts/generated-files.ts), then checks the documentation (links,
 * anchors, tables, the code's references to it). `--check` changes nothing and fails when the page is
 * out of date or not as recorded; test/build/docs.test.ts runs the same checks.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { defineCommand, readCommandLine } from "../src/cli/command-line";
import { createProgress } from "../src/cli/progress";
import { checkCodeReferences, checkPages } from "./docs/check-links";
import { renderConfigurationReference, withReference } from "./docs/configuration";
import { DOCS_GENERATED, generatedFileProblems, MANIFEST, recordGenerated } from "./generated-files";

const root = resolve(import.meta.dirname, "..");
export const CONFIGURATION_PAGE = "docs/configuration.md";

const docsCommand = defineCommand({
  command: "npm run docs",
  summary:
    "Regenerates the settings reference in docs/configuration.md from the settings tables (names, defaults, accepted " +
    "values, where each is read), then checks every relative link, heading anchor and table in README.md, " +
    "CHANGELOG.md and docs/, and every documentation reference in the code.",
  options: {
    check: { type: "boolean", description: "change nothing; exit 1 if the page is out of date or a check fails" },
  },
  notes: [
    "exit codes: 0 current and every check passed, 1 out of date (with --check) or a check failed, 2 a usage error.",
  ],
});

async function main(): Promise<number> {
  const { values } = readCommandLine(docsCommand);
  const progress = createProgress("npm run docs");
  progress.step("reading the commands' --help for the environment they read");
  const path = join(root, CONFIGURATION_PAGE);
  const page = readFileSync(path, "utf8");
  const current = withReference(page, await renderConfigurationReference(root));
  let code = 0;
  if (current === page) console.log(`${CONFIGURATION_PAGE} is current`);
  else if (values.check) {
    console.error(`${CONFIGURATION_PAGE} is out of date: run npm run docs`);
    code = 1;
  } else {
    writeFileSync(path, current);
    console.log(`${CONFIGURATION_PAGE} regenerated`);
  }
  if (!values.check) recordGenerated(root, "npm run docs", DOCS_GENERATED);
  else if (current === page && generatedFileProblems(root, DOCS_GENERATED, { only: true }).length > 0) {
    console.error(`${MANIFEST} does not record ${CONFIGURATION_PAGE} as it is: run npm run docs`);
    code = 1;
  }
  progress.step("checking links, anchors, tables and the code's references");
  const problems = [...checkPages(root), ...checkCodeReferences(root)];
  progress.done();
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) {
    console.error(`${problems.length} documentation problem(s)`);
    code = 1;
  } else console.log("links, anchors, tables and the code's references: OK");
  return code;
}

main().then(
  (code) => (process.exitCode = code),
  (error) => {
    console.error(`docs: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);

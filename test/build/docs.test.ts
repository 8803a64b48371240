import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkCodeReferences, checkPages } from "../../scripts/docs/check-links";
import {
  BEGIN_MARK,
  coverageProblems,
  describeAccepted,
  describeDefault,
  END_MARK,
  readValueFiles,
  renderConfigurationReference,
  withReference,
} from "../../scripts/docs/configuration";
import { credential, databaseName, flag, oneOf, optional, setting, text, wholeNumber } from "../../src/core/settings";
import { root } from "../helpers/command";

/**
 * The documentation as GitHub shows it: links, anchors and tables of README.md, CHANGELOG.md and
 * docs/, the code's references to them, and docs/configuration.md's reference against the settings
 * tables it is generated from (`npm run docs`).
 */
const scratch = mkdtempSync(join(tmpdir(), "akb-docs-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A scratch repository holding `files`. */
function repository(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

describe("docs/configuration.md", () => {
  it("matches the settings tables, values/ and the commands' --help (else: npm run docs)", async () => {
    const page = readFileSync(join(root, "docs/configuration.md"), "utf8");
    const generated = withReference(page, await renderConfigurationReference(root));
    expect(page === generated, "docs/configuration.md is out of date: run npm run docs and commit it").toBe(true);
  }, 180_000);

  const heartbeatDatabase = setting("HEARTBEAT_DATABASE", databaseName, "streamkap");
  it.each([
    { entry: setting("N", wholeNumber(1, 10), 4), default: "4", accepted: "a whole number from 1 to 10" },
    { entry: setting("X_BYTES", wholeNumber(1, 1 << 30), 64 << 20), default: "67,108,864 (64 MiB)", accepted: "a whole number from 1 to 1,073,741,824" },
    { entry: setting("X_MS", wholeNumber(1, 60_000), 120_000), default: "120,000 (120 s)", accepted: "a whole number from 1 to 60,000" },
    { entry: setting("F", oneOf(["envelope", "document"]), "envelope"), default: "`envelope`", accepted: "one of envelope, document" },
    { entry: setting("B", flag, false), default: "`false`", accepted: "true or false" },
    { entry: optional("T", text), default: "none", accepted: "text" },
    { entry: setting("K", credential, undefined), default: "none", accepted: "text, or `none` for none" },
    { entry: setting("D", databaseName, (read) => read(heartbeatDatabase)), default: "as `HEARTBEAT_DATABASE`", accepted: 'a valid database name (MongoDB refuses / \\ . " $ * < > : | ?, spaces and NUL in database names)' },
  ])("describes $entry.name's default as $default and what it accepts in its parser's words", (c) => {
    expect(describeDefault(c.entry)).toBe(c.default);
    expect(describeAccepted(c.entry)).toBe(c.accepted);
  });

  it("names a setting without a meaning, a meaning without a setting, and a value no table declares", () => {
    const values = readValueFiles(root);
    const commands = new Map([["npm run serve", ["PORT", "MONGODB_URI", "SOME_NEW_VARIABLE"]]]);
    expect(coverageProblems(values, commands)).toEqual([
      "SOME_NEW_VARIABLE has no meaning in scripts/docs/setting-meanings.ts",
    ]);
    values.set("SOME_NEW_VALUE", { name: "SOME_NEW_VALUE", generated: false });
    expect(coverageProblems(values, new Map())).toEqual(
      expect.arrayContaining([
        "scripts/docs/setting-meanings.ts explains MONGODB_URI, which no settings table or command reads",
        "values/SOME_NEW_VALUE.json is in no settings table of scripts/docs/configuration.ts",
      ]),
    );
  });

  it("keeps the hand-written rest of the page, and refuses a page without the markers", () => {
    const page = `# Configuration\n\nhand-written\n\n${BEGIN_MARK}\nold\n${END_MARK}\n\n## Added by hand\n`;
    expect(withReference(page, `${BEGIN_MARK}\nnew\n${END_MARK}`)).toBe(
      `# Configuration\n\nhand-written\n\n${BEGIN_MARK}\nnew\n${END_MARK}\n\n## Added by hand\n`,
    );
    expect(() => withReference("# Configuration\n", "x")).toThrow(/has no generated part/);
  });
});

describe("links, anchors and tables", () => {
  it("every relative link and anchor of README.md, CHANGELOG.md and docs/ resolves, and every table renders", () => {
    expect(checkPages(root)).toEqual([]);
  });

  it("every documentation reference in the code names a page and heading that exist", () => {
    expect(checkCodeReferences(root)).toEqual([]);
  });

  it.each([
    { case: "a missing page", line: "see [x](docs/nope.md)", problem: "README.md:3: docs/nope.md: no such file (docs/nope.md)" },
    { case: "a missing anchor in another page", line: "see [x](docs/a.md#nope)", problem: "README.md:3: docs/a.md#nope: docs/a.md has no heading #nope" },
    { case: "a missing anchor in the page", line: "see [x](#nope)", problem: "README.md:3: #nope: README.md has no heading #nope" },
    { case: "an anchor made as GitHub makes it", line: "see [x](docs/a.md#the-_akb-field-and-npm-run-status)", problem: undefined },
    { case: "a second heading of the same text", line: "see [x](docs/a.md#same-1)", problem: undefined },
    { case: "a link outside the repository", line: "see [x](../elsewhere/file.js)", problem: "README.md:3: ../elsewhere/file.js points outside the repository" },
    { case: "a header row and delimiter row that differ", line: "| a | b |\n| --- | --- | --- |\n| 1 | 2 |", problem: "README.md:3: a table that does not render: its header row and delimiter row have different numbers of cells" },
    { case: "a row with more cells than its header", line: "| a | b |\n| --- | --- |\n| 1 | 2 | 3 |", problem: "README.md:5: Table column count: Expected: 2; Actual: 3; Too many cells, extra data will be missing" },
    { case: "a pipe in a code span, unescaped", line: "| a | b |\n| --- | --- |\n| `p|q` | 2 |", problem: "README.md:5: Table column count: Expected: 2; Actual: 3; Too many cells, extra data will be missing" },
    { case: "a pipe in a code span, escaped", line: "| a | b |\n| --- | --- |\n| `p\\|q` | 2 |", problem: undefined },
  ])("finds $case", (c) => {
    const dir = repository(c.case.replace(/\W+/g, "-"), {
      "README.md": `# Title\n\n${c.line}\n`,
      "docs/a.md": "# A\n\n## The `_akb` field and npm run status\n\n## Same\n\n## Same\n",
    });
    expect(checkPages(dir)).toEqual(c.problem ? [c.problem] : []);
  });

  it.each([
    { case: "a page that does not exist", line: "// see docs/nope.md", problem: "src/x.ts:1: docs/nope.md does not exist" },
    { case: "a heading that does not exist", line: "// see docs/a.md#nope", problem: "src/x.ts:1: docs/a.md has no heading #nope" },
    { case: "a page and heading that exist", line: "// see docs/a.md#the-section", problem: undefined },
    { case: "a README section that moved", line: '// (README, "Exact mirror")', problem: 'src/x.ts:1: points at the README\'s "Exact mirror", which is no heading of README.md: point at its docs/ page' },
    { case: "a README section across a comment's lines", line: '/* (README, "Heartbeat and\n * snapshots") */', problem: 'src/x.ts:1: points at the README\'s "Heartbeat and snapshots", which is no heading of README.md: point at its docs/ page' },
    { case: "a README section that is there", line: '// (README, "Title")', problem: undefined },
    { case: "the README without a section", line: "// as the README says", problem: "src/x.ts:1: names the README without a heading: point at the docs/ page that says it" },
  ])("in the code, finds $case", (c) => {
    const dir = repository(`code-${c.case.replace(/\W+/g, "-")}`, {
      "README.md": "# Title\n",
      "docs/a.md": "# A\n\n## The section\n",
      "src/x.ts": `${c.line}\nexport {};\n`,
    });
    expect(checkCodeReferences(dir)).toEqual(c.problem ? [c.problem] : []);
  });
});

import { spawnSync } from "node:child_process";
import {
  appendFileSync,
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOutputs, bundleAllFunctions, functionNames } from "../../scripts/build";
import { generateExportFiles } from "../../scripts/generate-export";
import {
  DOCS_GENERATED,
  FUNCTION_MARK,
  generatedFileProblems,
  MANIFEST,
  readManifest,
  renderManifest,
  sha256,
  type GeneratedFile,
} from "../../scripts/generated-files";

/**
 * generated-files.json: every file `npm run build` and `npm run docs` write, with a hash of what they
 * wrote; `npm run build -- --check` names each generated file that is missing, edited by hand, out of
 * date, or not as the manifest lists it (scripts/generated-files.ts).
 */
const repository = join(import.meta.dirname, "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "akb-generated-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const GENERATED_DIRS = ["functions", "triggers", "values", "docs"];
let copies = 0;
/** A copy of the repository's generated files and manifest (and the hand-written files beside them). */
function generatedCopy(): string {
  const dir = join(scratch, `copy-${copies++}`);
  for (const entry of [...GENERATED_DIRS, MANIFEST]) cpSync(join(repository, entry), join(dir, entry), { recursive: true });
  return dir;
}

const edit = (dir: string, path: string, change: (text: string) => string) =>
  writeFileSync(join(dir, path), change(readFileSync(join(dir, path), "utf8")));
const editManifest = (dir: string, change: (files: Record<string, unknown>) => void) => {
  const files = readManifest(dir) as Record<string, unknown>;
  change(files);
  writeFileSync(join(dir, MANIFEST), renderManifest(files as never));
};

describe(`${MANIFEST} and what --check makes of the tree`, () => {
  /** What the build and npm run docs write now, from the repository's sources. */
  let fresh: GeneratedFile[];
  beforeAll(async () => {
    fresh = [...buildOutputs(generateExportFiles(), await bundleAllFunctions()), ...DOCS_GENERATED];
  }, 120_000);

  it("the committed manifest lists every generated file as it is (else: npm run build, then npm run docs)", () => {
    expect(generatedFileProblems(repository, fresh)).toEqual([]);
    const listed = Object.keys(readManifest(repository) ?? {});
    expect(listed).toEqual(expect.arrayContaining(["functions/emitHeartbeat.js", "triggers/drainOutbox.json", "values/CAPTURE_OPTIONS.json", "docs/capture.md", "docs/configuration.md"]));
    expect(listed.length).toBe(fresh.length);
  });

  it("every built function starts with the line by which --check tells it from one made in the Atlas UI", () => {
    for (const name of functionNames())
      expect(readFileSync(join(repository, "functions", `${name}.js`), "utf8")).toMatch(FUNCTION_MARK);
  });

  const marked = "// orphan: App Services function generated from src/functions/orphan.ts by `npm run build`.\nexports = function () {};\n";
  it.each([
    { name: "a function edited by hand", change: (d: string) => appendFileSync(join(d, "functions/emitHeartbeat.js"), "// fixed in place\n"), problems: ["functions/emitHeartbeat.js: changed by hand: not what npm run build wrote (run npm run build)"] },
    { name: "a trigger edited by hand", change: (d: string) => edit(d, "triggers/drainOutbox.json", (t) => t.replace('"disabled": false', '"disabled": true')), problems: ["triggers/drainOutbox.json: changed by hand: not what npm run build wrote (run npm run build)"] },
    { name: "a generated value edited by hand", change: (d: string) => edit(d, "values/CAPTURE_OPTIONS.json", (t) => t.replace('"from_secret": false', '"from_secret": true')), problems: ["values/CAPTURE_OPTIONS.json: changed by hand: not what npm run build wrote (run npm run build)"] },
    { name: "the bundle report edited by hand", change: (d: string) => edit(d, "docs/capture.md", (t) => t.replace("| **file** |", "| **total** |")), problems: ["docs/capture.md: changed by hand: not what npm run build wrote (run npm run build)"] },
    { name: "the settings reference edited by hand", change: (d: string) => edit(d, "docs/configuration.md", (t) => t.replace("| `CAPTURE_OPTIONS` | none |", "| `CAPTURE_OPTIONS` | [] |")), problems: ["docs/configuration.md: changed by hand: not what npm run docs wrote (run npm run docs)"] },
    { name: "a hand-written part of a page edited", change: (d: string) => edit(d, "docs/capture.md", (t) => `${t}\nA new paragraph.\n`), problems: [] },
    { name: "a deleted function", change: (d: string) => rmSync(join(d, "functions/drainOutbox.js")), problems: ["functions/drainOutbox.js: missing (run npm run build)"] },
    { name: "a deleted trigger", change: (d: string) => rmSync(join(d, "triggers/runSnapshot.json")), problems: ["triggers/runSnapshot.json: missing (run npm run build)"] },
    { name: "a page without its report markers", change: (d: string) => edit(d, "docs/capture.md", (t) => t.replace("<!-- end of bundle report -->", "")), problems: ['docs/capture.md: has no generated part (the lines "<!-- bundle report: generated by npm run build, do not edit -->" and "<!-- end of bundle report -->") (restore the page: npm run build writes only its generated part)'] },
    { name: "a generated file the manifest misses", change: (d: string) => editManifest(d, (files) => delete files["values/CAPTURE_MASK_KEY.json"]), problems: [`values/CAPTURE_MASK_KEY.json: not in ${MANIFEST} (run npm run build)`] },
    { name: "an entry the build no longer writes", change: (d: string) => editManifest(d, (files) => (files["functions/retired.js"] = { by: "npm run build", sha256: sha256("") })), problems: [`functions/retired.js: in ${MANIFEST}, but npm run build no longer writes it (run npm run build)`] },
    { name: "a built function whose source is gone", change: (d: string) => writeFileSync(join(d, "functions/orphan.js"), marked), problems: ["functions/orphan.js: says npm run build generated it, but src/functions has no source for it (delete it)"] },
    { name: "a function made in the Atlas UI", change: (d: string) => writeFileSync(join(d, "functions/mine.js"), "exports = function () {};\n"), problems: [] },
    { name: "a capture trigger no longer in the list", change: (d: string) => cpSync(join(d, "triggers/capture_monitors_reports.json"), join(d, "triggers/capture_old_gone.json")), problems: ["triggers/capture_old_gone.json: named as a generated trigger, but npm run build no longer writes it (run npm run build: it removes it)"] },
    {
      name: "a file as the build wrote it from older sources",
      change: (d: string) => {
        appendFileSync(join(d, "triggers/emitHeartbeat.json"), " ");
        editManifest(d, (files) => (files["triggers/emitHeartbeat.json"] = { by: "npm run build", sha256: sha256(readFileSync(join(d, "triggers/emitHeartbeat.json"), "utf8")) }));
      },
      problems: ["triggers/emitHeartbeat.json: out of date: its sources changed since npm run build wrote it (run npm run build)"],
    },
    { name: "no manifest", change: (d: string) => rmSync(join(d, MANIFEST)), problems: [`${MANIFEST}: missing (run npm run build, then npm run docs)`] },
    { name: "an unchanged copy", change: () => undefined, problems: [] },
  ])("$name: $problems", ({ change, problems }) => {
    const dir = generatedCopy();
    change(dir);
    expect(generatedFileProblems(dir, fresh)).toEqual(problems);
  });
});

describe("npm run build -- --check in a copy of the repository", { timeout: 180_000 }, () => {
  let dir: string;
  const npm = (...args: string[]) => spawnSync("npm", ["run", "--silent", ...args], { cwd: dir, encoding: "utf8" });

  beforeAll(() => {
    dir = join(scratch, "repository");
    for (const entry of ["src", "scripts", "config", "docs", "functions", "triggers", "values", MANIFEST, "package.json", "tsconfig.json"])
      cpSync(join(repository, entry), join(dir, entry), { recursive: true });
    symlinkSync(join(repository, "node_modules"), join(dir, "node_modules"));
  }, 180_000);

  it("a fresh build passes --check; a hand edit and a deletion are each named, and a build mends both", () => {
    const fresh = npm("build");
    expect(fresh.stderr).toBe("");
    expect(fresh.status).toBe(0);
    expect(npm("build", "--", "--check").status).toBe(0);

    appendFileSync(join(dir, "triggers/drainOutbox.json"), "\n");
    rmSync(join(dir, "values/CAPTURED_NAMESPACES.json"));
    const checked = npm("build", "--", "--check");
    expect(checked.status).toBe(1);
    expect(checked.stderr).toBe(
      `generated files differ from ${MANIFEST} or a fresh build:\n` +
        "  triggers/drainOutbox.json: changed by hand: not what npm run build wrote (run npm run build)\n" +
        "  values/CAPTURED_NAMESPACES.json: missing (run npm run build)\n",
    );

    expect(npm("build").status).toBe(0);
    const mended = npm("build", "--", "--check");
    expect(mended.stderr).toBe("");
    expect(mended.status).toBe(0);
  });
});

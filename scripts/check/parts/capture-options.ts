/**
 * `npm run check`'s part for the capture list (config/captured-collections.csv): the generated
 * triggers and values are what `npm run build` makes of it, every match filter compiles with the
 * matcher the functions run, and masking reads its key from a secret. An app folder without the
 * capture list has nothing to check.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { nodeBson } from "../../../src/adapters/bson/node-bson";
import { CaptureListError, parseCaptureList } from "../../../src/core/capture/shaping/capture-list";
import { captureOptionsParser } from "../../../src/core/capture/shaping/capture-options";
import { compileMatch, MatchFilterError } from "../../../src/core/capture/shaping/match-filter";
import { CAPTURE_LIST, exportDrift, generateExportFiles } from "../../generate-export";

export function checkCaptureOptions(root: string): string[] {
  if (!existsSync(join(root, CAPTURE_LIST))) return [];
  const listText = readFileSync(join(root, CAPTURE_LIST), "utf8");
  let entries;
  try {
    entries = parseCaptureList(listText, CAPTURE_LIST);
  } catch (error) {
    if (error instanceof CaptureListError) return error.problems;
    throw error;
  }
  const problems: string[] = [];
  const value = (name: string): { from_secret?: unknown; value?: unknown } | undefined => {
    const path = join(root, "values", `${name}.json`);
    if (!existsSync(path)) {
      problems.push(`values/${name}.json: missing; npm run build generates it from ${CAPTURE_LIST}`);
      return undefined;
    }
    try {
      return JSON.parse(readFileSync(path, "utf8"));
    } catch {
      return undefined; // the values check reports a file that is not JSON
    }
  };

  problems.push(...generatedDrift(root, listText));
  const options = value("CAPTURE_OPTIONS");
  if (options) {
    let table;
    try {
      table = captureOptionsParser(options.value, "CAPTURE_OPTIONS");
    } catch {
      table = undefined; // the values check reports it, with the parser's message
    }
    for (const [namespace, { match }] of Object.entries(table ? table.byNamespace : {})) {
      if (match === undefined) continue;
      try {
        compileMatch(match, nodeBson);
      } catch (error) {
        if (!(error instanceof MatchFilterError)) throw error;
        for (const problem of error.problems)
          problems.push(`values/CAPTURE_OPTIONS.json: ${namespace}: match: ${problem}`);
      }
    }
  }

  const masked = entries.filter((entry) => entry.options.mask.length > 0);
  const key = value("CAPTURE_MASK_KEY");
  if (key && masked.length > 0 && key.from_secret !== true)
    problems.push(
      `values/CAPTURE_MASK_KEY.json: ${masked.map((e) => `${e.db}.${e.coll}`).join(", ")} mask fields, so the key must come from a secret (from_secret: true; run npm run build)`,
    );
  if (key && key.from_secret !== true && typeof key.value === "string" && key.value !== "")
    problems.push("values/CAPTURE_MASK_KEY.json: holds a key in the repository; it must reference a secret");
  return problems;
}

/** The generated triggers and values that are not what the list generates (missing ones are reported once, below). */
function generatedDrift(root: string, listText: string): string[] {
  let files;
  try {
    files = generateExportFiles(listText, root);
  } catch (error) {
    // A list that parses but cannot be generated (the heartbeat collection with options, a trigger name twice).
    if (error instanceof CaptureListError) return error.problems;
    throw error;
  }
  return exportDrift(root, files)
    .filter(({ path, why }) => !(why === "missing" && path.startsWith("values/")))
    .map(({ path, why }) =>
      why === "differs"
        ? `${path}: differs from what npm run build generates from ${CAPTURE_LIST} and values/ (run npm run build)`
        : why === "missing"
          ? `${path}: missing; npm run build generates it from ${CAPTURE_LIST}`
          : `${path}: a capture trigger for a collection ${CAPTURE_LIST} no longer lists (run npm run build)`,
    );
}

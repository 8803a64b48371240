import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkApp } from "../../scripts/check-export";
import { generateExportFiles } from "../../scripts/generate-export";

const root = join(import.meta.dirname, "..", "..");
const LIST = 'app.users,ordered,exclude=ssn|profile.email,mask=phone,"match={""region"": ""eu""}"\nshop.*,unordered,exclude=card\n';

/** `npm run check` on a copy of the export whose capture list is `list` and whose generated files were built from `built`. */
function checkCopy(list: string, mutate: (dir: string) => void = () => undefined, built = list): string[] {
  const dir = mkdtempSync(join(tmpdir(), "akb-options-"));
  try {
    for (const part of ["realm_config.json", "data_sources", "functions", "http_endpoints", "triggers", "values"])
      cpSync(join(root, part), join(dir, part), { recursive: true });
    mkdirSync(join(dir, "config"));
    writeFileSync(join(dir, "config/captured-collections.csv"), list);
    for (const [path, content] of generateExportFiles(built)) writeFileSync(join(dir, path), content);
    mutate(dir);
    return checkApp(dir).problems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const editValue = (dir: string, name: string, change: (value: any) => unknown) => {
  const file = join(dir, "values", `${name}.json`);
  const json = JSON.parse(readFileSync(file, "utf8"));
  writeFileSync(file, JSON.stringify({ ...json, value: change(json.value) }));
};

describe("npm run check: the capture options", () => {
  it("a list with options and the values generated from it pass", () => {
    expect(checkCopy(LIST)).toEqual([]);
  });

  it.each<[string, string, (dir: string) => void, string[]]>([
    [
      "values generated from another list",
      "app.users,exclude=ssn\n",
      () => undefined,
      [
        "values/CAPTURE_OPTIONS.json: does not agree with config/captured-collections.csv (run npm run build)",
        "values/CAPTURE_MASK_KEY.json: app.users mask fields, so the key must come from a secret (from_secret: true; run npm run build)",
      ],
    ],
    [
      "a filter edited by hand to an operator the functions do not support",
      LIST,
      (dir) => editValue(dir, "CAPTURE_OPTIONS", (v) => [{ ...v[0], match: '{"name": {"$regex": "^a"}}' }, v[1]]),
      [
        "values/CAPTURE_OPTIONS.json: does not agree with config/captured-collections.csv (run npm run build)",
        "values/CAPTURE_OPTIONS.json: app.users: match: name: $regex is not supported (supported: $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin, $exists, $not, $and, $or, $nor)",
      ],
    ],
    [
      "a path the functions would refuse",
      LIST,
      (dir) => editValue(dir, "CAPTURE_OPTIONS", (v) => [{ ...v[0], exclude: ["_id"] }]),
      [
        "values/CAPTURE_OPTIONS.json: CAPTURE_OPTIONS[0].exclude must be an array of field paths",
        "values/CAPTURE_OPTIONS.json: does not agree with config/captured-collections.csv (run npm run build)",
      ],
    ],
    [
      "a mask key that is not a secret while a collection masks",
      LIST,
      (dir) => writeFileSync(join(dir, "values/CAPTURE_MASK_KEY.json"), JSON.stringify({ name: "CAPTURE_MASK_KEY", from_secret: false, value: "" })),
      ["values/CAPTURE_MASK_KEY.json: app.users mask fields, so the key must come from a secret (from_secret: true; run npm run build)"],
    ],
    [
      "a mask key written into the repository",
      LIST,
      (dir) =>
        writeFileSync(join(dir, "values/CAPTURE_MASK_KEY.json"), JSON.stringify({ name: "CAPTURE_MASK_KEY", from_secret: false, value: "k".repeat(40) })),
      [
        "values/CAPTURE_MASK_KEY.json: app.users mask fields, so the key must come from a secret (from_secret: true; run npm run build)",
        "values/CAPTURE_MASK_KEY.json: holds a key in the repository; it must reference a secret",
      ],
    ],
    [
      "a missing options value",
      LIST,
      (dir) => rmSync(join(dir, "values/CAPTURE_OPTIONS.json")),
      [
        "values/CAPTURE_OPTIONS.json: missing, but functions/publishChangeToKinesis.js reads the value CAPTURE_OPTIONS",
        "values/CAPTURE_OPTIONS.json: missing, but functions/checkCaptureHealth.js reads the value CAPTURE_OPTIONS",
        "values/CAPTURE_OPTIONS.json: missing, but functions/drainOutbox.js reads the value CAPTURE_OPTIONS",
        "values/CAPTURE_OPTIONS.json: missing, but functions/runSnapshot.js reads the value CAPTURE_OPTIONS",
        "values/CAPTURE_OPTIONS.json: missing; npm run build generates it from config/captured-collections.csv",
      ],
    ],
  ])("reports %s", (_name, built, mutate, problems) => {
    expect(checkCopy(LIST, mutate, built)).toEqual(problems);
  });

  it("reports a bad capture list line by line", () => {
    expect(checkCopy("database,collection\napp.users,exclude=ssn\napp.orders,mask=_id\n", () => undefined, "app.users\n")).toEqual([
      'config/captured-collections.csv line 1: "database,collection" looks like a header line; the capture list has none (remove it; to capture a database named "database", write database.collection)',
      'config/captured-collections.csv line 3: mask: "_id" is in the document key _id, which every record carries whole',
    ]);
  });
});

import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkApp } from "../../scripts/check-export";
import { generateExportFiles, isGeneratedTrigger } from "../../scripts/generate-export";

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
    // As npm run build does: the capture triggers of the repository's list make way for `built`'s.
    for (const file of readdirSync(join(dir, "triggers"))) if (isGeneratedTrigger(file)) rmSync(join(dir, "triggers", file));
    for (const [path, content] of generateExportFiles(built)) writeFileSync(join(dir, path), content);
    mutate(dir);
    return checkApp(dir).problems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const DIFFERS = "differs from what npm run build generates from config/captured-collections.csv and values/ (run npm run build)";

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
        `triggers/capture_app_users.json: ${DIFFERS}`,
        "triggers/capture_shop.json: missing; npm run build generates it from config/captured-collections.csv",
        `values/CAPTURED_NAMESPACES.json: ${DIFFERS}`,
        `values/CAPTURE_OPTIONS.json: ${DIFFERS}`,
        `values/CAPTURE_MASK_KEY.json: ${DIFFERS}`,
        "values/CAPTURE_MASK_KEY.json: app.users mask fields, so the key must come from a secret (from_secret: true; run npm run build)",
      ],
    ],
    [
      "a filter edited by hand to an operator the functions do not support",
      LIST,
      (dir) => editValue(dir, "CAPTURE_OPTIONS", (v) => [{ ...v[0], match: '{"name": {"$regex": "^a"}}' }, v[1]]),
      [
        `values/CAPTURE_OPTIONS.json: ${DIFFERS}`,
        "values/CAPTURE_OPTIONS.json: app.users: match: name: $regex is not supported (supported: $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin, $exists, $not, $and, $or, $nor)",
      ],
    ],
    [
      "a path the functions would refuse",
      LIST,
      (dir) => editValue(dir, "CAPTURE_OPTIONS", (v) => [{ ...v[0], exclude: ["_id"] }]),
      [
        "values/CAPTURE_OPTIONS.json: CAPTURE_OPTIONS[0].exclude must be an array of field paths",
        `values/CAPTURE_OPTIONS.json: ${DIFFERS}`,
      ],
    ],
    [
      "a mask key that is not a secret while a collection masks",
      LIST,
      (dir) => writeFileSync(join(dir, "values/CAPTURE_MASK_KEY.json"), JSON.stringify({ name: "CAPTURE_MASK_KEY", from_secret: false, value: "" })),
      [
        `values/CAPTURE_MASK_KEY.json: ${DIFFERS}`,
        "values/CAPTURE_MASK_KEY.json: app.users mask fields, so the key must come from a secret (from_secret: true; run npm run build)",
      ],
    ],
    [
      "a mask key written into the repository",
      LIST,
      (dir) =>
        writeFileSync(join(dir, "values/CAPTURE_MASK_KEY.json"), JSON.stringify({ name: "CAPTURE_MASK_KEY", from_secret: false, value: "k".repeat(40) })),
      [
        `values/CAPTURE_MASK_KEY.json: ${DIFFERS}`,
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
    [
      "a generated trigger edited by hand",
      LIST,
      (dir) => {
        const file = join(dir, "triggers/capture_app_users.json");
        const trigger = JSON.parse(readFileSync(file, "utf8"));
        writeFileSync(file, `${JSON.stringify({ ...trigger, config: { ...trigger.config, unordered: true } }, null, 2)}\n`);
      },
      [`triggers/capture_app_users.json: ${DIFFERS}`],
    ],
    [
      "a generated trigger removed",
      LIST,
      (dir) => rmSync(join(dir, "triggers/capture_shop.json")),
      ["triggers/capture_shop.json: missing; npm run build generates it from config/captured-collections.csv"],
    ],
    [
      "a capture trigger left behind by a collection the list no longer names",
      LIST,
      (dir) => {
        const legacy = generateExportFiles("legacy.orders\n").get("triggers/capture_legacy_orders.json") as string;
        writeFileSync(join(dir, "triggers/capture_legacy_orders.json"), legacy);
      },
      [
        "triggers/capture_legacy_orders.json: a capture trigger for a collection config/captured-collections.csv no longer lists (run npm run build)",
      ],
    ],
  ])("reports %s", (_name, built, mutate, problems) => {
    expect(checkCopy(LIST, mutate, built)).toEqual(problems);
  });

  it.each([
    [
      "paths separated by a semicolon",
      "app.users,exclude=ssn;phone\n",
      'config/captured-collections.csv line 1: exclude: "ssn;phone" holds ";": paths are separated by |; did you mean "ssn|phone"?',
    ],
    [
      "paths separated by an unquoted comma",
      "app.users,mask=ssn,phone\n",
      'config/captured-collections.csv line 1: unknown option "phone" (after the collection and its ordering come exclude=<path>|…, mask=<path>|…, match=<JSON filter>); paths are separated by |: did you mean "mask=ssn|phone"?',
    ],
    [
      "options on the heartbeat collection (the build cannot generate from it)",
      "app.users\nstreamkap.streamkap_heartbeat,exclude=app\n",
      "config/captured-collections.csv line 2: streamkap.streamkap_heartbeat holds the heartbeat documents, which are published whole; give it no exclude, mask or match",
    ],
  ])("refuses a list with %s", (_name, list, problem) => {
    expect(checkCopy(list, () => undefined, "app.users\n")).toEqual([problem]);
  });

  it("reports a bad capture list line by line", () => {
    expect(checkCopy("database,collection\napp.users,exclude=ssn\napp.orders,mask=_id\n", () => undefined, "app.users\n")).toEqual([
      'config/captured-collections.csv line 1: "database,collection" looks like a header line; the capture list has none (remove it; to capture a database named "database", write database.collection)',
      'config/captured-collections.csv line 3: mask: "_id" is in the document key _id, which every record carries whole',
    ]);
  });
});

/**
 * `npm run pull`: the Atlas UI round trip, end to end on real files. A scratch copy of this
 * repository's export plays the repository; a pulled app is made the way each CLI writes it
 * (both layouts, with the `id` every pull adds to triggers), then edited as a user would in the UI.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { checkApp } from "../../scripts/check-export";
import { writeAppServicesLayout } from "../../scripts/deploy";
import { generateExportFiles, isGeneratedTrigger, isGeneratedValue } from "../../scripts/generate-export";
import { builtFunctionsOf, formatPullReport, PullError, mergePulledApp } from "../../scripts/pull";

const root = join(import.meta.dirname, "..", "..");
const run = promisify(execFile);
const scratch: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const EXPORT_PARTS = ["realm_config.json", "data_sources", "functions", "http_endpoints", "triggers", "values"];

/** A scratch repository: this export plus src/functions (which names the built functions). */
function repositoryCopy(): string {
  const dir = tempDir("akb-repo-");
  for (const part of EXPORT_PARTS) cpSync(join(root, part), join(dir, part), { recursive: true });
  cpSync(join(root, "src", "functions"), join(dir, "src", "functions"), { recursive: true });
  return dir;
}

/** The app as a CLI pulls it: the current layout (appservices) or realm-cli's 20210101. */
function pulledApp(layout: "appservices" | "20210101"): string {
  const dir = join(tempDir("akb-pulled-"), "app");
  if (layout === "appservices") {
    writeAppServicesLayout(root, dir);
    mkdirSync(join(dir, ".mdb"));
    writeFileSync(join(dir, ".mdb", "meta.json"), JSON.stringify({ config_version: 20230101, app_id: "65df4be8e06711bee5244be6" }));
  } else {
    for (const part of EXPORT_PARTS) cpSync(join(root, part), join(dir, part), { recursive: true });
  }
  for (const file of readdirSync(join(dir, "triggers")))
    editJson(dir, `triggers/${file}`, (t) => ({ id: createHash("md5").update(file).digest("hex").slice(0, 24), ...t }));
  writeUnconfiguredParts(dir);
  return dir;
}

/** What both CLIs write for the parts this app never configured (test/fixtures/apps/SOURCES.md). */
function writeUnconfiguredParts(dir: string) {
  const files: Record<string, unknown> = {
    "sync/config.json": { development_mode_enabled: false },
    "auth/providers.json": { "api-key": { name: "api-key", type: "api-key", disabled: true } },
    "auth/custom_user_data.json": { enabled: false },
    "graphql/config.json": { use_natural_pluralization: true, disable_schema_introspection: false },
    "hosting/config.json": { enabled: false },
  };
  for (const env of ["no-environment", "development", "testing", "qa", "production"]) files[`environments/${env}.json`] = { values: {} };
  for (const [path, json] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), JSON.stringify(json, null, 4));
  }
}

function editJson(dir: string, path: string, change: (json: any) => unknown) {
  writeFileSync(join(dir, path), JSON.stringify(change(JSON.parse(readFileSync(join(dir, path), "utf8"))), null, 4));
}

/** Every file under `dir` with a hash of its content, to prove that nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(dir, path)] = createHash("sha256").update(readFileSync(path)).digest("hex");
    }
  };
  walk(dir);
  return out;
}

/** A UI edit to emitHeartbeat inside the module src/core/settings.ts; returns the edited line. */
function editBuiltFunction(dir: string): string {
  const path = join(dir, "functions", "emitHeartbeat.js");
  const lines = readFileSync(path, "utf8").split("\n");
  const start = lines.indexOf("// src/core/settings.ts");
  expect(start).toBeGreaterThan(0);
  const at = lines.findIndex((line, i) => i > start + 2 && line.trim().length > 0 && !line.startsWith("//"));
  lines[at] = `${lines[at]} // tuned in the Atlas UI`;
  writeFileSync(path, lines.join("\n"));
  return lines[at];
}

/** What a user adds in the UI: a function in a folder, a scheduled trigger for it, and a value. */
function addInUi(dir: string) {
  editJson(dir, "functions/config.json", (f) => [...f, { name: "reports/daily", private: true }]);
  mkdirSync(join(dir, "functions", "reports"));
  writeFileSync(join(dir, "functions", "reports", "daily.js"), "exports = async function () {\n  return 1;\n};\n");
  writeFileSync(
    join(dir, "triggers", "dailyReport.json"),
    JSON.stringify({
      id: "6351aa00b22be57bacab00ff",
      name: "dailyReport",
      type: "SCHEDULED",
      config: { schedule: "0 6 * * *" },
      disabled: false,
      event_processors: { FUNCTION: { config: { function_name: "reports/daily" } } },
    }),
  );
  writeFileSync(join(dir, "values", "reportRecipients.json"), JSON.stringify({ name: "reportRecipients", value: ["ops@example.com"], from_secret: false }));
}

describe("npm run pull: the Atlas UI round trip", () => {
  it.each(["appservices", "20210101"] as const)("a pull (%s layout) of the deployed app is in step: nothing changes", (layout) => {
    const repo = repositoryCopy();
    const before = snapshot(repo);
    const report = mergePulledApp(repo, pulledApp(layout), { apply: true });
    expect(report).toEqual({ layout, warnings: [], functionEdits: [], copied: [], changed: [], onlyInRepository: [], notCarried: [] });
    expect(snapshot(repo)).toEqual(before);
  });

  it.each(["appservices", "20210101"] as const)(
    "(%s layout) shows a UI edit of a built function by source file, copies what is new, and applies changes only on request",
    (layout) => {
      const repo = repositoryCopy();
      const pulled = pulledApp(layout);
      const edited = editBuiltFunction(pulled);
      addInUi(pulled);
      editJson(pulled, "values/KINESIS_STREAM_NAME.json", (v) => ({ ...v, value: "orders-stream" }));
      editJson(pulled, "triggers/emitHeartbeat.json", (t) => ({ ...t, config: { ...t.config, schedule: "*/5 * * * *" } }));
      const builtBefore = readFileSync(join(repo, "functions", "emitHeartbeat.js"), "utf8");

      // Without --apply: the edit is shown, new things are copied, changes wait.
      const first = mergePulledApp(repo, pulled, { apply: false });
      expect(first.functionEdits.map((e) => [e.name, e.sources, e.lineNumbers])).toEqual([["emitHeartbeat", ["src/core/settings.ts"], false]]);
      expect(first.functionEdits[0].diff).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@ src\/core\/settings\.ts$/m);
      expect(first.functionEdits[0].diff).toContain(`\n+${edited}\n`);
      expect(first.copied).toEqual(["functions/reports/daily.js", "triggers/dailyReport.json", "values/reportRecipients.json"]);
      expect(first.changed.map((c) => [c.path, c.applied, c.note === undefined])).toEqual([
        ["triggers/emitHeartbeat.json", false, false],
        ["values/KINESIS_STREAM_NAME.json", false, true],
      ]);
      expect(first.changed[0].note).toContain("config/captured-collections.csv");
      expect(first.changed[1].diff).toContain('+  "value": "orders-stream"');
      expect(JSON.parse(readFileSync(join(repo, "values", "KINESIS_STREAM_NAME.json"), "utf8")).value).not.toBe("orders-stream");
      // What was copied: the pulled trigger without its platform id, the function listed in the config.
      expect(JSON.parse(readFileSync(join(repo, "triggers", "dailyReport.json"), "utf8"))).not.toHaveProperty("id");
      expect(JSON.parse(readFileSync(join(repo, "functions", "config.json"), "utf8"))).toContainEqual({ name: "reports/daily", private: true });
      expect(checkApp(repo)).toMatchObject({ layout: "20210101", problems: [] });

      // With --apply: the value change lands; the generated trigger and the built bundle never do.
      const second = mergePulledApp(repo, pulled, { apply: true });
      expect(second.copied).toEqual([]);
      expect(second.changed.map((c) => [c.path, c.applied])).toEqual([
        ["triggers/emitHeartbeat.json", false],
        ["values/KINESIS_STREAM_NAME.json", true],
      ]);
      expect(JSON.parse(readFileSync(join(repo, "values", "KINESIS_STREAM_NAME.json"), "utf8")).value).toBe("orders-stream");
      expect(readFileSync(join(repo, "functions", "emitHeartbeat.js"), "utf8")).toBe(builtBefore);
      expect(readFileSync(join(repo, "triggers", "emitHeartbeat.json"), "utf8")).toBe(readFileSync(join(root, "triggers", "emitHeartbeat.json"), "utf8"));
    },
  );

  it("a trigger first made in the UI is the user's: later UI changes apply on request, and builds keep it", () => {
    const repo = repositoryCopy();
    const pulled = pulledApp("appservices");
    addInUi(pulled);
    mergePulledApp(repo, pulled, { apply: false });
    editJson(pulled, "triggers/dailyReport.json", (t) => ({ ...t, config: { schedule: "30 5 * * 1-5" } }));
    editJson(pulled, "functions/config.json", (f) => f.map((e: any) => (e.name === "reports/daily" ? { ...e, run_as_system: true } : e)));

    const shown = mergePulledApp(repo, pulled, { apply: false });
    expect(shown.changed.map((c) => [c.path, c.applied])).toEqual([
      ["functions/config.json (reports/daily)", false],
      ["triggers/dailyReport.json", false],
    ]);
    expect(JSON.parse(readFileSync(join(repo, "triggers", "dailyReport.json"), "utf8")).config.schedule).toBe("0 6 * * *");

    const applied = mergePulledApp(repo, pulled, { apply: true });
    expect(applied.changed.every((c) => c.applied)).toBe(true);
    expect(JSON.parse(readFileSync(join(repo, "triggers", "dailyReport.json"), "utf8")).config.schedule).toBe("30 5 * * 1-5");
    expect(JSON.parse(readFileSync(join(repo, "functions", "config.json"), "utf8"))).toContainEqual({ name: "reports/daily", private: true, run_as_system: true });
    expect(mergePulledApp(repo, pulled, { apply: false }).changed).toEqual([]);
    // npm run build removes only the capture triggers it made; the user's trigger stays.
    expect(isGeneratedTrigger("dailyReport.json")).toBe(false);
  });

  it("knows every file npm run build generates as generated", () => {
    const generated = [...generateExportFiles().keys()];
    expect(generated.length).toBeGreaterThan(2);
    for (const path of generated) {
      const [folder, file] = path.split("/");
      expect([path, folder === "triggers" ? isGeneratedTrigger(file) : isGeneratedValue(file)]).toEqual([path, true]);
    }
  });

  it("refuses a repository file it cannot read, with its path, and changes nothing", () => {
    const repo = repositoryCopy();
    const pulled = pulledApp("appservices");
    addInUi(pulled);
    writeFileSync(join(repo, "functions", "config.json"), "[{");
    const before = snapshot(repo);
    expect(() => mergePulledApp(repo, pulled, { apply: true })).toThrow(/functions\/config\.json: .*; nothing was changed/);
    expect(snapshot(repo)).toEqual(before);
  });

  it("lists what it keeps and what it does not carry over", () => {
    const repo = repositoryCopy();
    const pulled = pulledApp("appservices");
    rmSync(join(pulled, "triggers", "capture_monitors_reports.json"));
    editJson(pulled, "https_endpoints/config.json", (e) => [...e, { ...e[0], route: "/extra" }]);
    writeFileSync(join(pulled, "auth", "providers.json"), JSON.stringify({ "anon-user": { name: "anon-user", type: "anon-user", disabled: false } }));
    const report = mergePulledApp(repo, pulled, { apply: true });
    expect(report.warnings).toEqual(["auth: App Services authentication (enabled here: anon-user) ended on 2025-09-30; this part is no longer served"]);
    expect(report.onlyInRepository).toEqual(["triggers/capture_monitors_reports.json"]);
    expect(report.notCarried).toEqual([
      expect.stringMatching(/^https_endpoints\/config\.json: differs from http_endpoints\/config\.json; not carried over \(App Services HTTPS Endpoints were retired/),
      "auth/: authentication is not part of this app; not carried over",
    ]);
    expect(readFileSync(join(repo, "triggers", "capture_monitors_reports.json"), "utf8")).toBe(
      readFileSync(join(root, "triggers", "capture_monitors_reports.json"), "utf8"),
    );
  });

  it.each([
    ["a folder that does not exist", (d: string) => rmSync(d, { recursive: true }), "no such folder"],
    ["a folder that is not an app", (d: string) => rmSync(join(d, "root_config.json")), "root_config.json: missing (no root_config.json, realm_config.json, config.json with a config_version, or stitch.json"],
    ["a trigger file that is not JSON", (d: string) => writeFileSync(join(d, "triggers", "emitHeartbeat.json"), '{"name": '), "triggers/emitHeartbeat.json: not valid JSON"],
    ["an app in an older layout", (d: string) => { rmSync(join(d, "root_config.json")); writeFileSync(join(d, "config.json"), JSON.stringify({ config_version: 20200603, name: "atlas-kinesis-bridge" })); }, "is an App Services app in the older 20200603 layout; pull it again with the App Services CLI"],
    ["a trigger naming a function the app does not have", (d: string) => editJson(d, "triggers/emitHeartbeat.json", (t) => ({ ...t, event_processors: { FUNCTION: { config: { function_name: "gone" } } } })), 'triggers/emitHeartbeat.json: event_processors.FUNCTION.config.function_name "gone" is not in functions/config.json'],
  ])("refuses %s with a clear error and changes nothing", (_name, spoil, message) => {
    const repo = repositoryCopy();
    const pulled = pulledApp("appservices");
    addInUi(pulled);
    spoil(pulled);
    const before = snapshot(repo);
    expect(() => mergePulledApp(repo, pulled, { apply: true })).toThrow(PullError);
    expect(() => mergePulledApp(repo, pulled, { apply: true })).toThrow(message);
    expect(snapshot(repo)).toEqual(before);
  });
});

describe("npm run pull: line numbers of the TypeScript source", () => {
  it("a UI edit of a built function is headed by the TypeScript file and its own line, from the build's source map", async () => {
    const repo = repositoryCopy();
    const pulled = pulledApp("appservices");
    // Edit the bundle's line that declares readSetting, inside the module src/core/settings.ts.
    const path = join(pulled, "functions", "emitHeartbeat.js");
    const lines = readFileSync(path, "utf8").split("\n");
    const at = lines.findIndex((line) => line.startsWith("function readSetting("));
    expect(at).toBeGreaterThan(0);
    lines[at] = `${lines[at]} // tuned in the Atlas UI`;
    writeFileSync(path, lines.join("\n"));
    const report = mergePulledApp(repo, pulled, { apply: false, builtFunctions: await builtFunctionsOf(root) });
    const [edit] = report.functionEdits;
    expect(edit.lineNumbers).toBe(true);
    // The TypeScript file's own line number of that declaration, not the bundle's.
    const tsLine =
      readFileSync(join(root, "src", "core", "settings.ts"), "utf8")
        .split("\n")
        .findIndex((line) => line.startsWith("export function readSetting<")) + 1;
    expect(tsLine).toBeGreaterThan(0);
    expect(tsLine).not.toBe(at + 1);
    expect(edit.diff).toMatch(new RegExp(`^@@ -\\d+,\\d+ \\+\\d+,\\d+ @@ src/core/settings\\.ts:${tsLine}$`, "m"));
    expect(edit.locations).toEqual([`src/core/settings.ts:${tsLine}`]);
  });

  it("without a usable map (the committed bundle differs from a build) the files are named without lines, and the report says why", () => {
    const repo = repositoryCopy();
    const pulled = pulledApp("appservices");
    editBuiltFunction(pulled);
    const report = mergePulledApp(repo, pulled, { apply: false });
    expect(report.functionEdits[0].lineNumbers).toBe(false);
    expect(formatPullReport(report, false)).toContain("No TypeScript line numbers: functions/emitHeartbeat.js differs from a build of src/");
  });
});

describe("npm run pull as a command", () => {
  const tsx = join(root, "node_modules", ".bin", "tsx");
  const pullScript = join(root, "scripts", "pull.ts");

  it("--remote without an App Services CLI on PATH says what to install, exit 1", async () => {
    const bin = tempDir("akb-bin-");
    const result = await run(process.execPath, [join(root, "node_modules", "tsx", "dist", "cli.mjs"), pullScript, "--remote", "my-app-abcde"], {
      env: { ...process.env, PATH: bin },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(result).toMatchObject({ code: 1 });
    expect((result as { stderr: string }).stderr).toContain("No App Services CLI on PATH (appservices or realm-cli)");
  });

  it("--remote runs the CLI's pull into a scratch folder and merges it", async () => {
    const repo = repositoryCopy();
    const pulled = pulledApp("appservices");
    addInUi(pulled);
    // A stand-in for the appservices CLI: writes the prepared app where --local says, as `pull` does.
    const bin = tempDir("akb-bin-");
    writeFileSync(
      join(bin, "appservices"),
      `#!/bin/sh\nwhile [ $# -gt 0 ]; do [ "$1" = "--local" ] && target="$2"; shift; done\ncp -R "${pulled}" "$target"\n`,
    );
    chmodSync(join(bin, "appservices"), 0o755);
    const { stdout } = await run(tsx, [pullScript, "--remote", "my-app-abcde", "--repo", repo], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    expect(stdout).toContain("Pulled app (appservices layout)");
    expect(stdout).toContain("Copied in (only the pulled app had them):\n  functions/reports/daily.js\n  triggers/dailyReport.json\n  values/reportRecipients.json");
    expect(checkApp(repo).problems).toEqual([]);
  });
});

/**
 * `npm run pull -- <folder> [--apply]`: merges an app folder written by `appservices pull` or
 * `realm-cli pull` (either layout) with this repository, without losing anyone's work.
 * - Our built functions (src/functions/*.ts) are never overwritten: an edit made in the Atlas UI is
 *   shown as a unified diff whose hunks name the TypeScript file each change belongs to (the bundles
 *   keep esbuild's `// src/...` path comments), so it can be carried into src/.
 * - Functions, triggers, values and data sources that exist only in the pulled app are copied in.
 * - Changes the UI made to other functions, triggers, values and data sources are shown; `--apply`
 *   writes them. Files `npm run build` generates are shown with where to make the change instead.
 * - Parts this repository does not ship (endpoints, auth, sync, ...) are listed, not copied.
 * `npm run pull -- --remote <app id>` runs the CLI's pull into a scratch folder first.
 * The pulled folder must pass `npm run check`; otherwise nothing is changed. Nothing is written until
 * the whole merge is planned.
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createTwoFilesPatch, structuredPatch } from "diff";
import { AppFiles } from "./check/app";
import { partConfigured } from "./check/unconfigured";
import { checkApp } from "./check-export";
import { bundleFunctionWithSourceMap, type BuiltFunction } from "./build";
import { findCli } from "./deploy";
import { defineCommand, readCommandLine, USAGE_ERROR } from "../src/cli/command-line";
import { createProgress } from "../src/cli/progress";
import { isGeneratedTrigger, isGeneratedValue } from "./generate-export";

/** Bad input: the message says what is wrong; nothing was changed. */
export class PullError extends Error {}

export interface FunctionEdit {
  readonly name: string;
  /** The TypeScript files the changed lines belong to, in order of first appearance. */
  readonly sources: string[];
  /** The same with their lines ("src/core/settings.ts:120-126") when the source map was usable. */
  readonly locations: string[];
  /** Whether the lines come from the build's source map (false: the committed file differs from a build). */
  readonly lineNumbers: boolean;
  /** Unified diff, committed bundle -> pulled copy, each hunk header naming its source files. */
  readonly diff: string;
}

export interface PulledChange {
  readonly path: string;
  readonly diff: string;
  readonly applied: boolean;
  /** Why it was not applied even with --apply, when that is the case. */
  readonly note?: string;
}

export interface PullReport {
  readonly layout: "20210101" | "appservices";
  /** What npm run check warned about in the pulled app: shown, never a reason to stop. */
  readonly warnings: string[];
  /** UI edits to our built functions: carry them into src/ by hand. */
  readonly functionEdits: FunctionEdit[];
  /** Files copied in because only the pulled app has them. */
  readonly copied: string[];
  /** UI changes to files both sides have. */
  readonly changed: PulledChange[];
  /** In the repository but not in the pulled app: kept as they are. */
  readonly onlyInRepository: string[];
  /** Parts of the pulled app this command does not carry over, and why. */
  readonly notCarried: string[];
}

type Json = Record<string, unknown>;

const FOLDERS_NOT_CARRIED: Record<string, string> = {
  auth: "authentication is not part of this app",
  sync: "Device Sync is not part of this app",
  graphql: "GraphQL is not part of this app (and was retired with Device Sync)",
  log_forwarders: "log forwarders are configured per deployment, not shipped here",
  hosting: "static hosting is not part of this app",
  environments: "environment values are not shipped here; use values/",
};

const SOURCE_COMMENT = /^\s*\/\/ ((?:src|node_modules)\/\S+)$/;

/** The pulled app passed `npm run check`; a file that still cannot be read is the repository's. */
function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new PullError(`${path}: ${(error as Error).message}; nothing was changed`);
  }
}
const pretty = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
const normalize = (text: string) => text.replace(/\r\n/g, "\n").replace(/\n*$/, "\n");

/** The same value with object keys sorted, so two files that differ only in key order compare equal. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(
      Object.keys(value as Json)
        .sort()
        .map((key) => [key, sorted((value as Json)[key])]),
    );
  return value;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));

function jsonDiff(path: string, ours: unknown, theirs: unknown): string {
  return createTwoFilesPatch(`repository/${path}`, `pulled/${path}`, pretty(sorted(ours)), pretty(sorted(theirs)));
}

/**
 * A unified diff of a built function against its pulled copy. The hunk ranges are lines of
 * functions/<name>.js (the file the diff is of); after them, each hunk header names the TypeScript
 * files and their own lines that its changed lines were built from, read from the build's source map
 * (`built`, when it is the build of exactly this committed file), else only the files, from the
 * nearest `// src/...` comment esbuild leaves above each module.
 */
export function diffBuiltFunction(
  name: string,
  committed: string,
  pulled: string,
  built?: BuiltFunction,
): FunctionEdit {
  const ours = normalize(committed);
  const mapped = built && normalize(built.code) === ours ? built : undefined;
  const patch = structuredPatch(`functions/${name}.js`, `functions/${name}.js`, ours, normalize(pulled));
  const oldLines = ours.split("\n");
  const sourceAt = (line: number): string | undefined => {
    for (let i = Math.min(line, oldLines.length - 1); i >= 0; i--) {
      const match = SOURCE_COMMENT.exec(oldLines[i]);
      if (match) return match[1];
    }
    return undefined;
  };
  // The nearest mapped line at or above `line` (blank lines and closing braces have no mapping).
  const mappedAt = (line: number) => {
    for (let l = line; l >= 1 && l > line - 20; l--) {
      const found = mapped?.sourceOf(l);
      if (found) return found;
    }
    return undefined;
  };
  const all: string[] = [];
  const locations: string[] = [];
  const out = [`--- repository/functions/${name}.js`, `+++ pulled/functions/${name}.js`];
  for (const hunk of patch.hunks) {
    let source = sourceAt(hunk.oldStart - 2);
    const here: string[] = [];
    const spans = new Map<string, { from: number; to: number }>();
    let oldLine = hunk.oldStart;
    for (const line of hunk.lines) {
      const match = line[0] !== "+" ? SOURCE_COMMENT.exec(line.slice(1)) : null;
      if (match) source = match[1];
      if (line[0] === "+" || line[0] === "-") {
        // A removed line is its own; an added one belongs where it is inserted, after the line above.
        const at = mappedAt(line[0] === "-" ? oldLine : Math.max(1, oldLine - 1));
        const file = at?.source ?? source;
        if (file && !here.includes(file)) here.push(file);
        if (at) {
          const span = spans.get(at.source);
          spans.set(
            at.source,
            span
              ? { from: Math.min(span.from, at.line), to: Math.max(span.to, at.line) }
              : { from: at.line, to: at.line },
          );
        }
      }
      if (line[0] === "-" || line[0] === " ") oldLine++;
    }
    const labels = here.map((file) => {
      const span = spans.get(file);
      return span ? `${file}:${span.from}${span.to > span.from ? `-${span.to}` : ""}` : file;
    });
    for (const s of here) if (!all.includes(s)) all.push(s);
    for (const label of labels) if (!locations.includes(label)) locations.push(label);
    out.push(
      `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@ ${labels.join(", ") || "(bundle wrapper)"}`,
      ...hunk.lines,
    );
  }
  return { name, sources: all, locations, lineNumbers: mapped !== undefined, diff: `${out.join("\n")}\n` };
}

/**
 * Each built function with its source map, from `repo`'s sources (for diffBuiltFunction). One that
 * does not build there is left out: its diff then names files without lines, and says why.
 */
export async function builtFunctionsOf(repo: string): Promise<Map<string, BuiltFunction>> {
  const out = new Map<string, BuiltFunction>();
  for (const name of builtFunctionNames(repo)) {
    try {
      out.set(name, await bundleFunctionWithSourceMap(name, repo));
    } catch {
      // not buildable in that checkout (no node_modules, a broken source): no line numbers
    }
  }
  return out;
}

/** Names of the functions `npm run build` makes (src/functions/<name>.ts). */
function builtFunctionNames(repo: string): Set<string> {
  const dir = join(repo, "src", "functions");
  return new Set(
    existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith(".ts"))
          .map((f) => f.slice(0, -3))
      : [],
  );
}

const jsonFiles = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .sort()
    : [];

/**
 * What a merge found and will write, built up part by part. `change` records a difference
 * both sides have; with `apply`, and no note saying why not, its content is written at `path`
 * (undefined content: the part applies it itself).
 */
class MergePlan {
  readonly writes = new Map<string, string>();
  readonly functionEdits: FunctionEdit[] = [];
  readonly copied: string[] = [];
  readonly changed: PulledChange[] = [];
  readonly onlyInRepository: string[] = [];
  readonly notCarried: string[] = [];

  constructor(
    readonly repo: string,
    readonly pulled: string,
    readonly options: { apply: boolean; builtFunctions?: ReadonlyMap<string, BuiltFunction> },
  ) {}

  copy(path: string, content: string): void {
    this.writes.set(path, content);
    this.copied.push(path);
  }

  change(path: string, diff: string, content: string | undefined, note?: string): void {
    const applied = this.options.apply && !note;
    if (applied && content !== undefined) this.writes.set(path, content);
    this.changed.push({ path, diff, applied, ...(note ? { note } : {}) });
  }
}

/** Plans the merge of `pulled` into `repo`, writes it (copies always, changes with `apply`), and reports. */
export function mergePulledApp(
  repo: string,
  pulled: string,
  options: { apply: boolean; builtFunctions?: ReadonlyMap<string, BuiltFunction> },
): PullReport {
  if (!existsSync(pulled) || !statSync(pulled).isDirectory()) throw new PullError(`${pulled}: no such folder`);
  const check = checkApp(pulled);
  const layout = check.layout;
  if (layout && layout !== "20210101" && layout !== "appservices")
    throw new PullError(
      `${pulled} is an App Services app in the older ${layout} layout; pull it again with the App Services CLI (or realm-cli 2) to merge it; nothing was changed`,
    );
  if (!layout || check.problems.length > 0)
    throw new PullError(
      `${pulled} is not an App Services app this command can read; nothing was changed:\n${check.problems.join("\n")}`,
    );

  const plan = new MergePlan(repo, pulled, options);
  mergeFunctions(plan);
  mergeItemFiles(
    plan,
    "triggers",
    isGeneratedTrigger,
    "generated by npm run build from config/captured-collections.csv: change the list (or scripts/generate-export.ts), then build and push",
  );
  mergeItemFiles(
    plan,
    "values",
    isGeneratedValue,
    "generated by npm run build from config/captured-collections.csv: change the list instead",
  );
  mergeDataSources(plan);
  listNotCarried(plan);

  for (const [path, content] of plan.writes) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), content);
  }
  const { functionEdits, copied, changed, onlyInRepository, notCarried } = plan;
  return { layout, warnings: check.warnings, functionEdits, copied, changed, onlyInRepository, notCarried };
}

/** Functions: config entries and sources; edits to our built functions are shown, to carry into src/ by hand. */
function mergeFunctions(plan: MergePlan): void {
  const { repo, pulled, options } = plan;
  const built = builtFunctionNames(repo);
  const repoConfig = readJson(join(repo, "functions", "config.json")) as Json[];
  const pulledConfigPath = join(pulled, "functions", "config.json");
  const pulledConfig = (existsSync(pulledConfigPath) ? readJson(pulledConfigPath) : []) as Json[];
  const nextConfig = repoConfig.map((entry) => ({ ...entry }));
  let configChanged = false;
  for (const entry of pulledConfig) {
    const name = String(entry.name);
    const path = `functions/${name}.js`;
    const theirs = readFileSync(join(pulled, path), "utf8");
    const index = nextConfig.findIndex((e) => e.name === name);
    if (index < 0) {
      plan.copy(path, theirs);
      nextConfig.push(entry);
      configChanged = true;
      continue;
    }
    const ours = readFileSync(join(repo, path), "utf8");
    if (normalize(ours) !== normalize(theirs)) {
      if (built.has(name))
        plan.functionEdits.push(diffBuiltFunction(name, ours, theirs, options.builtFunctions?.get(name)));
      else plan.change(path, createTwoFilesPatch(`repository/${path}`, `pulled/${path}`, ours, theirs), theirs);
    }
    if (!sameJson(nextConfig[index], entry)) {
      const diff = jsonDiff(`functions/config.json (${name})`, nextConfig[index], entry);
      plan.change(`functions/config.json (${name})`, diff, undefined);
      if (options.apply) {
        nextConfig[index] = entry;
        configChanged = true;
      }
    }
  }
  for (const entry of repoConfig)
    if (!pulledConfig.some((e) => e.name === entry.name))
      plan.onlyInRepository.push(`functions/${String(entry.name)}.js`);
  if (configChanged) plan.writes.set("functions/config.json", pretty(nextConfig));
}

/** Triggers or values: one JSON file per item, named by its `name`; generated ones say where to change them. */
function mergeItemFiles(
  plan: MergePlan,
  folder: "triggers" | "values",
  isGenerated: (file: string) => boolean,
  why: string,
): void {
  const { repo, pulled } = plan;
  const theirsFiles = jsonFiles(join(pulled, folder));
  for (const file of theirsFiles) {
    const path = `${folder}/${file}`;
    const theirs = readJson(join(pulled, path)) as Json;
    // Every pull adds the platform's `id`; the repository's files do not carry one.
    const { id: _id, ...content } = theirs;
    if (!existsSync(join(repo, path))) {
      plan.copy(path, pretty(content));
      continue;
    }
    const { id: _ourId, ...ours } = readJson(join(repo, path)) as Json;
    if (!sameJson(ours, content))
      plan.change(path, jsonDiff(path, ours, content), pretty(content), isGenerated(file) ? why : undefined);
  }
  for (const file of jsonFiles(join(repo, folder)))
    if (!theirsFiles.includes(file)) plan.onlyInRepository.push(`${folder}/${file}`);
}

/** Data sources: one config.json per folder. */
function mergeDataSources(plan: MergePlan): void {
  const { repo, pulled } = plan;
  for (const dir of existsSync(join(pulled, "data_sources")) ? readdirSync(join(pulled, "data_sources")).sort() : []) {
    const path = `data_sources/${dir}/config.json`;
    if (!existsSync(join(pulled, path))) continue;
    const theirs = readJson(join(pulled, path));
    if (!existsSync(join(repo, path))) plan.copy(path, pretty(theirs));
    else if (!sameJson(readJson(join(repo, path)), theirs))
      plan.change(path, jsonDiff(path, readJson(join(repo, path)), theirs), pretty(theirs));
  }
}

/** Parts of the pulled app this command never carries over, each with why. */
function listNotCarried(plan: MergePlan): void {
  const { repo, pulled } = plan;
  // Endpoints: shown, never carried (App Services HTTPS Endpoints were retired on 2025-09-30).
  const pulledEndpoints = ["https_endpoints/config.json", "http_endpoints/config.json"].find((p) =>
    existsSync(join(pulled, p)),
  );
  const repoEndpoints = join(repo, "http_endpoints", "config.json");
  if (pulledEndpoints) {
    const theirs = readJson(join(pulled, pulledEndpoints));
    const ours = existsSync(repoEndpoints) ? readJson(repoEndpoints) : [];
    if (!sameJson(ours, theirs))
      plan.notCarried.push(
        `${pulledEndpoints}: differs from http_endpoints/config.json; not carried over (App Services HTTPS Endpoints were retired on 2025-09-30; the webhook runs as npm run serve or the Lambda handler)`,
      );
  }
  // A pull writes these folders even for parts the app never configured; only configured ones are listed.
  const pulledFiles = new AppFiles(pulled);
  for (const [folder, why] of Object.entries(FOLDERS_NOT_CARRIED))
    if (existsSync(join(pulled, folder)) && partConfigured(pulledFiles, folder))
      plan.notCarried.push(`${folder}/: ${why}; not carried over`);
}

/** Runs the CLI's own pull of `app` into a scratch folder; returns the folder. */
function pullRemote(app: string): string {
  const cli = findCli(process.env.PATH);
  if (!cli)
    throw new PullError(
      "No App Services CLI on PATH (appservices or realm-cli). Install one (npm install -g atlas-app-services-cli, then appservices login --api-key <public> --private-api-key <private>), or pass a folder you pulled yourself.",
    );
  const local = join(mkdtempSync(join(tmpdir(), "akb-pull-")), "app");
  const command = ["pull", "--remote", app, "--local", local, ...(cli === "appservices" ? ["--yes"] : [])];
  const result = spawnSync(cli, command, { stdio: ["ignore", "inherit", "inherit"] });
  if (result.status !== 0) throw new PullError(`${cli} ${command.join(" ")} failed (exit ${String(result.status)})`);
  return local;
}

export function formatPullReport(report: PullReport, apply: boolean): string {
  const lines: string[] = [`Pulled app (${report.layout} layout)`];
  if (report.warnings.length > 0)
    lines.push("", "Warnings from npm run check (not a reason to stop):", ...report.warnings.map((w) => `  ${w}`));
  for (const edit of report.functionEdits)
    lines.push(
      "",
      `functions/${edit.name}.js was edited in the UI; carry the change into ${edit.locations.join(", ") || "src/"} (npm run build would undo it).` +
        (edit.lineNumbers
          ? ` Hunk ranges are lines of functions/${edit.name}.js; after them, the TypeScript file and its lines.`
          : ` No TypeScript line numbers: functions/${edit.name}.js differs from a build of src/ (run npm run build, then pull again).`),
      edit.diff.trimEnd(),
    );
  if (report.copied.length > 0)
    lines.push("", "Copied in (only the pulled app had them):", ...report.copied.map((p) => `  ${p}`));
  for (const c of report.changed)
    lines.push(
      "",
      `${c.path}: changed in the UI${c.applied ? ", applied" : c.note ? `, not applied: ${c.note}` : ", not applied (run again with --apply)"}`,
      c.diff.trimEnd(),
    );
  if (report.onlyInRepository.length > 0)
    lines.push("", "Only in the repository (kept):", ...report.onlyInRepository.map((p) => `  ${p}`));
  if (report.notCarried.length > 0) lines.push("", "Not carried over:", ...report.notCarried.map((p) => `  ${p}`));
  const pending = report.changed.filter((c) => !c.applied && !c.note).length;
  lines.push(
    "",
    report.functionEdits.length + report.copied.length + report.changed.length === 0
      ? "In step: nothing to carry over."
      : `${report.functionEdits.length} function edit(s) to carry into src/, ${report.copied.length} file(s) copied, ${report.changed.filter((c) => c.applied).length} change(s) applied${!apply && pending > 0 ? `, ${pending} waiting for --apply` : ""}. Run npm run build && npm test next.`,
  );
  return lines.join("\n");
}

const pullCommand = defineCommand({
  command: "npm run pull",
  summary:
    "Brings changes made in the Atlas UI back: merges an app folder pulled with appservices or realm-cli (either " +
    "layout), or pulls one itself with --remote. Edits to our built functions are shown as diffs by TypeScript file " +
    "and line; new functions, triggers, values and data sources are copied in; changes to existing ones are shown " +
    "and written only with --apply. The pulled folder must pass npm run check, or nothing is changed.",
  arguments: { name: "folder", description: "a pulled app folder (or use --remote)", min: 0, max: 1 },
  options: {
    remote: {
      type: "string",
      value: "<app id>",
      description: "run the CLI's pull of this app into a scratch folder first",
      defaultText: "none: give a folder",
    },
    apply: {
      type: "boolean",
      description: "also write the changes to existing triggers, values, data sources and function settings",
      // npm reads `--apply` before "--" as its one-letter flags -a -p -l -y.
      npmConfig: ["npm_config_all=true", "npm_config_parseable=true", "npm_config_long=true", "npm_config_yes=true"],
    },
    repo: {
      type: "string",
      value: "<checkout>",
      description: "merge into another checkout of this repository",
      defaultText: "this checkout",
    },
  },
  environment: [
    { name: "PATH", description: "where appservices and realm-cli are looked for (--remote)", default: "the shell's" },
  ],
  notes: ["examples: npm run pull -- ../pulled", "          npm run pull -- --remote <app id> --apply"],
  actsOutside: true,
});

async function main(): Promise<number> {
  const { values, positionals } = readCommandLine(pullCommand);
  const apply = values.apply;
  // --repo: merge into another checkout (the default is this one).
  const repo = resolve(values.repo || resolve(import.meta.dirname, ".."));
  let scratch: string | undefined;
  if ((values.remote === undefined) === (positionals.length === 0)) {
    console.error(
      `pull: give either a pulled folder or --remote <app id>: npm run pull -- <folder> [--apply]  |  npm run pull -- --remote <app id> [--apply]`,
    );
    return USAGE_ERROR;
  }
  try {
    // Progress on stderr: building the functions to map their lines takes a while; the report is on stdout.
    const progress = createProgress("npm run pull");
    if (values.remote !== undefined) progress.step(`pulling ${values.remote} into a scratch folder`);
    const folder = values.remote !== undefined ? (scratch = pullRemote(values.remote)) : resolve(positionals[0]);
    progress.step("building the functions from src/ to map their lines");
    const builtFunctions = await builtFunctionsOf(repo);
    progress.step("checking the pulled app and comparing it with the repository");
    const report = mergePulledApp(repo, folder, { apply, builtFunctions });
    progress.done();
    console.log(formatPullReport(report, apply));
    return 0;
  } catch (error) {
    if (!(error instanceof PullError)) throw error;
    console.error(error.message);
    return 1;
  } finally {
    if (scratch) rmSync(dirname(scratch), { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename))
  main().then(
    (code) => (process.exitCode = code),
    (error) => {
      console.error(`pull: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );

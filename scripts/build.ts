/**
 * Regenerates the export files that follow from the capture list (scripts/generate-export.ts), then
 * compiles every src/functions/<name>.ts into functions/<name>.js, an App Services function file:
 * one readable, self-contained script that assigns the free variable `exports` and needs no
 * `module`. The bundle body is wrapped in a loader that runs on the first call, so `require` of Node
 * built-ins happens inside a function body, as App Services asks. `bson` is never bundled: the
 * functions use the `BSON`/`EJSON` globals.
 *
 *   npm run build                  regenerate triggers/ and the generated values from the capture list, then
 *                                  write functions/*.js and what each holds (docs/capture.md, bundle-report.ts),
 *                                  and record every file it wrote in generated-files.json
 *   npm run build -- --check       exit 1 and name each generated file that is missing, edited by hand, out of
 *                                  date, or not as generated-files.json lists it (scripts/generated-files.ts)
 *   npm run build -- --allow-empty build even when the capture list names no collection
 */
import { build, transform, type Plugin } from "esbuild";
import { readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { decodedMappings, TraceMap } from "@jridgewell/trace-mapping";
import { defineCommand, readCommandLine } from "../src/cli/command-line";
import {
  BUNDLE_LIMIT_BYTES,
  REPORT_END,
  REPORT_PAGE,
  REPORT_START,
  renderBundleReport,
  withBundleReport,
  type BundleContents,
} from "./bundle-report";
import { generateExport, generateExportFiles } from "./generate-export";
import {
  DOCS_GENERATED,
  generatedFileProblems,
  MANIFEST,
  partOf,
  recordGenerated,
  type GeneratedFile,
} from "./generated-files";

const root = resolve(import.meta.dirname, "..");
const sourceDir = join(root, "src", "functions");
const outDir = join(root, "functions");

/** App Services offers Node 10.18's API: strip the `node:` prefix newer code may use. */
const stripNodePrefix: Plugin = {
  name: "strip-node-prefix",
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path.slice(5), external: true }));
  },
};

/** The functions must use App Services' BSON global; bundling a second BSON would break instanceof. */
const forbidBson: Plugin = {
  name: "forbid-bson",
  setup(b) {
    b.onResolve({ filter: /^(bson|mongodb)$/ }, (args) => ({
      errors: [
        { text: `${args.importer} imports "${args.path}"; App Services functions must use the BSON/EJSON globals` },
      ],
    }));
  },
};

/**
 * Third-party code (node_modules: the SigV4 signer and its cache) is bundled minified: it is reviewed
 * and versioned as its package, not here, and shipping it readable cost every Kinesis function about
 * 9 KiB. Our own code stays readable, line for line, as review and the App Services log's line numbers need.
 */
const minifyThirdParty: Plugin = {
  name: "minify-third-party",
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/].*\.c?js$/ }, async (args) => {
      const source = readFileSync(args.path, "utf8");
      const { code } = await transform(source, { minify: true, target: "es2018", legalComments: "inline" });
      return { contents: code, loader: "js" };
    });
  },
};

export function functionNames(): string[] {
  return readdirSync(sourceDir)
    .filter((file) => file.endsWith(".ts"))
    .map((file) => basename(file, ".ts"))
    .sort();
}

/** The wrapper's lines before the bundle body (a source map of the body is offset by these). */
function wrapperHead(name: string): string[] {
  return [
    `// ${name}: App Services function generated from src/functions/${name}.ts by \`npm run build\`.`,
    "// Do not edit here: edit the TypeScript source and rebuild (a test fails when this file drifts).",
    "var __load = function () {",
    "  var module = { exports: {} };",
  ];
}

const WRAPPER_TAIL = [
  "  return module.exports;",
  "};",
  "var __loaded;",
  "exports = function () {",
  "  __loaded = __loaded || __load();",
  "  return __loaded.default.apply(this, arguments);",
  "};",
  "",
];

export interface BuiltFunction {
  /** functions/<name>.js as committed. */
  readonly code: string;
  /** The TypeScript file (repository path) and line that a line of `code` (1-based) was built from. */
  sourceOf(line: number): { source: string; line: number } | undefined;
}

async function esbuildFunction(name: string, repoRoot: string, sourcemap: boolean) {
  return build({
    entryPoints: [join(repoRoot, "src", "functions", `${name}.ts`)],
    // Only names the map's file; nothing is written.
    outfile: join(repoRoot, "functions", `${name}.js`),
    bundle: true,
    write: false,
    format: "cjs",
    platform: "node",
    target: "es2018",
    minify: false,
    legalComments: "inline",
    charset: "utf8",
    logLevel: "silent",
    // The metafile's paths (the bundle report's) are relative to the repository, wherever it is.
    absWorkingDir: repoRoot,
    metafile: true,
    // Paths in the bundle's comments stay inside the tree even where node_modules is a link (a copy).
    preserveSymlinks: true,
    // "external": the map is returned beside the code, which gets no sourceMappingURL comment.
    ...(sourcemap ? { sourcemap: "external" as const, sourcesContent: false } : {}),
    plugins: [stripNodePrefix, forbidBson, minifyThirdParty],
  });
}

function wrap(name: string, body: string): string {
  return [...wrapperHead(name), body.trimEnd(), ...WRAPPER_TAIL].join("\n");
}

export async function bundleFunction(name: string): Promise<string> {
  return (await bundleFunctionContents(name)).code;
}

/** A function's file and what it holds: the bytes each module adds (esbuild's metafile). */
export async function bundleFunctionContents(name: string): Promise<BundleContents & { code: string }> {
  const result = await esbuildFunction(name, root, false);
  const code = wrap(name, result.outputFiles[0].text);
  const [output] = Object.values(result.metafile.outputs);
  const modules: Record<string, number> = {};
  for (const [path, input] of Object.entries(output.inputs))
    if (input.bytesInOutput > 0) modules[path] = input.bytesInOutput;
  return { name, code, fileBytes: Buffer.byteLength(code), modules };
}

/** Every function's file and contents, in name order. */
export async function bundleAllFunctions(): Promise<(BundleContents & { code: string })[]> {
  const bundles = [];
  for (const name of functionNames()) bundles.push(await bundleFunctionContents(name));
  return bundles;
}

/** The report page (docs/capture.md) with the report of these bundles. */
export function reportPageFor(bundles: readonly BundleContents[], repoRoot: string = root): string {
  const path = join(repoRoot, REPORT_PAGE);
  if (!existsSync(path)) throw new Error(`${REPORT_PAGE} is missing: the build writes what each function holds there`);
  return withBundleReport(readFileSync(path, "utf8"), renderBundleReport(bundles));
}

/**
 * A function built with its source map, computed when asked (by `npm run pull`) rather than kept:
 * a map is right only for the exact bundle it came from, so one computed from the same sources and
 * compared with the committed file cannot be stale, and the deployed files stay as they are.
 */
export async function bundleFunctionWithSourceMap(name: string, repoRoot: string = root): Promise<BuiltFunction> {
  const result = await esbuildFunction(name, repoRoot, true);
  const js = result.outputFiles.find((file) => file.path.endsWith(".js"));
  const map = result.outputFiles.find((file) => file.path.endsWith(".js.map"));
  if (!js || !map) throw new Error(`esbuild gave no source map for ${name}`);
  const traced = new TraceMap(map.text);
  const lines = decodedMappings(traced);
  const mapDir = dirname(map.path);
  const offset = wrapperHead(name).length;
  return {
    code: wrap(name, js.text),
    sourceOf(line) {
      const segment = lines[line - offset - 1]?.find((s) => s.length >= 4) as
        [number, number, number, number] | undefined;
      if (!segment) return undefined;
      const [, sourceIndex, sourceLine] = segment;
      const source = traced.sources[sourceIndex];
      if (!source) return undefined;
      return { source: relative(repoRoot, resolve(mapDir, source)).split(sep).join("/"), line: sourceLine + 1 };
    },
  };
}

const buildCommand = defineCommand({
  command: "npm run build",
  summary:
    "Regenerates triggers/ and the generated values (CAPTURED_NAMESPACES, CAPTURE_OPTIONS, CAPTURE_MASK_KEY) from config/captured-collections.csv, then compiles " +
    "each src/functions/<name>.ts into functions/<name>.js, writes what each holds into docs/capture.md and lists every file it wrote in generated-files.json (commit the result).",
  options: {
    check: {
      type: "boolean",
      description:
        "write nothing; exit 1 naming every generated file that is missing, edited by hand, out of date or not as generated-files.json lists it",
    },
    "allow-empty": {
      type: "boolean",
      description:
        "build even when the capture list names no collection (every capture trigger but the heartbeat's is removed)",
    },
  },
  notes: [
    `exit codes: 0 built (or in step), 1 a bad capture list, a build error, a function over ${BUNDLE_LIMIT_BYTES / 1024} KiB or (--check) a difference, 2 a usage error.`,
  ],
});

/**
 * Writes the bundle report into its page. Without the page or its markers a build warns and goes on:
 * the report documents the functions, it never holds up a build or a deploy; `--check` and the
 * bundle test count it as a difference.
 */
function writeReport(bundles: readonly BundleContents[]): void {
  let page: string;
  try {
    page = reportPageFor(bundles);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.warn(`warning: ${reason}; the bundle report was not written`);
    return;
  }
  if (readFileSync(join(root, REPORT_PAGE), "utf8") !== page) writeFileSync(join(root, REPORT_PAGE), page);
}

/** Everything the build writes, as it would write it now: the export files, the functions, the bundle report. */
export function buildOutputs(
  exportFiles: ReadonlyMap<string, string>,
  bundles: readonly BuiltBundle[],
): GeneratedFile[] {
  const by = "npm run build";
  const report = { start: REPORT_START, end: REPORT_END };
  return [
    ...[...exportFiles].map(([path, content]) => ({ path, by, content }) as const),
    ...bundles.map((bundle) => ({ path: `functions/${bundle.name}.js`, by, content: bundle.code }) as const),
    {
      path: REPORT_PAGE,
      by,
      part: report,
      // The part exactly as withBundleReport writes it into the page (between the markers).
      content: partOf(withBundleReport(report.start + report.end, renderBundleReport(bundles)), report) as string,
    },
  ];
}

type BuiltBundle = BundleContents & { code: string };

/** `--check`: writes nothing; names every generated file that differs from the manifest or from a fresh build. */
async function checkBuild(): Promise<BuiltBundle[]> {
  let exportFiles: Map<string, string>;
  try {
    exportFiles = generateExportFiles();
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
  const bundles = await bundleAllFunctions();
  const problems = generatedFileProblems(root, [...buildOutputs(exportFiles, bundles), ...DOCS_GENERATED]);
  if (problems.length > 0) {
    console.error(
      `generated files differ from ${MANIFEST} or a fresh build:\n${problems.map((p) => `  ${p}`).join("\n")}`,
    );
    process.exit(1);
  }
  return bundles;
}

/** Writes the export files, the functions and the bundle report, and records them in the manifest. */
async function writeBuild(allowEmpty: boolean): Promise<BuiltBundle[]> {
  const generated = generateExport({ check: false, allowEmpty });
  if (generated !== 0) process.exit(generated);
  const bundles = await bundleAllFunctions();
  for (const { name, code, fileBytes } of bundles) {
    const target = join(outDir, `${name}.js`);
    // Unchanged files are not rewritten, so a build never disturbs a reader of an up-to-date tree.
    if (!existsSync(target) || readFileSync(target, "utf8") !== code) writeFileSync(target, code);
    console.log(`functions/${name}.js  ${(fileBytes / 1024).toFixed(1)} KiB`);
  }
  writeReport(bundles);
  recordGenerated(root, "npm run build", buildOutputs(generateExportFiles(), bundles));
  return bundles;
}

async function main(): Promise<void> {
  const { values } = readCommandLine(buildCommand);
  const bundles = values.check ? await checkBuild() : await writeBuild(values["allow-empty"]);
  const sized = (b: BundleContents) => `functions/${b.name}.js (${(b.fileBytes / 1024).toFixed(1)} KiB)`;
  const over = bundles.filter((b) => b.fileBytes > BUNDLE_LIMIT_BYTES);
  if (over.length > 0) {
    console.error(
      `over the ${BUNDLE_LIMIT_BYTES / 1024} KiB budget: ${over.map(sized).join(", ")}; see ${REPORT_PAGE}`,
    );
    process.exit(1);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}

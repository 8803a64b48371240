/**
 * Regenerates the export files that follow from the capture list (scripts/generate-export.ts), then
 * compiles every src/functions/<name>.ts into functions/<name>.js, an App Services function file:
 * one readable, self-contained script that assigns the free variable `exports` and needs no
 * `module`. The bundle body is wrapped in a loader that runs on the first call, so `require` of Node
 * built-ins happens inside a function body, as App Services asks. `bson` is never bundled: the
 * functions use the `BSON`/`EJSON` globals.
 *
 *   npm run build                  write triggers/, the generated values and functions/*.js
 *   npm run build -- --check       exit 1 and name each file whose committed version differs
 *   npm run build -- --allow-empty build even when the capture list names no collection
 */
import { build, type Plugin } from "esbuild";
import { readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { runGenerateExport } from "./generate-export";

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

export function functionNames(): string[] {
  return readdirSync(sourceDir)
    .filter((file) => file.endsWith(".ts"))
    .map((file) => basename(file, ".ts"))
    .sort();
}

export async function bundleFunction(name: string): Promise<string> {
  const result = await build({
    entryPoints: [join(sourceDir, `${name}.ts`)],
    bundle: true,
    write: false,
    format: "cjs",
    platform: "node",
    target: "es2018",
    minify: false,
    legalComments: "inline",
    charset: "utf8",
    logLevel: "silent",
    // Paths in the bundle's comments stay inside the tree even where node_modules is a link (a copy).
    preserveSymlinks: true,
    plugins: [stripNodePrefix, forbidBson],
  });
  const body = result.outputFiles[0].text;
  return [
    `// ${name}: App Services function generated from src/functions/${name}.ts by \`npm run build\`.`,
    "// Do not edit here: edit the TypeScript source and rebuild (a test fails when this file drifts).",
    "var __load = function () {",
    "  var module = { exports: {} };",
    body.trimEnd(),
    "  return module.exports;",
    "};",
    "var __loaded;",
    "exports = function () {",
    "  __loaded = __loaded || __load();",
    "  return __loaded.default.apply(this, arguments);",
    "};",
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  const generated = runGenerateExport(process.argv.slice(2));
  if (generated !== 0) process.exit(generated);
  const check = process.argv.includes("--check");
  const drifted: string[] = [];
  for (const name of functionNames()) {
    const code = await bundleFunction(name);
    const target = join(outDir, `${name}.js`);
    if (check) {
      if (!existsSync(target) || readFileSync(target, "utf8") !== code) drifted.push(name);
    } else {
      // Unchanged files are not rewritten, so a build never disturbs a reader of an up-to-date tree.
      if (!existsSync(target) || readFileSync(target, "utf8") !== code) writeFileSync(target, code);
      console.log(`functions/${name}.js  ${(Buffer.byteLength(code) / 1024).toFixed(1)} KiB`);
    }
  }
  if (drifted.length > 0) {
    console.error(`functions differ from a fresh build of src/functions: ${drifted.join(", ")} (run npm run build)`);
    process.exit(1);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}

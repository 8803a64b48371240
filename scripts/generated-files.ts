/**
 * The manifest of generated files (generated-files.json at the root): every file, or part of a page,
 * that `npm run build` or `npm run docs` writes, with the command that writes it and the SHA-256 of
 * what it wrote. JSON files cannot say they are generated; the manifest says it for them. Each command
 * records its own entries when it writes; `npm run build -- --check` compares the tree with the
 * manifest and with a fresh build, so a hand edit, a missing file, a file the build writes but the
 * manifest does not list, and an entry the build no longer writes are each named.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BEGIN_MARK, END_MARK } from "./docs/configuration";
import { isGeneratedTrigger } from "./generate-export";

export const MANIFEST = "generated-files.json";

export type Generator = "npm run build" | "npm run docs";

/** The first line of every functions/*.js the build writes: how a bundle is told from a function made in the UI. */
export const FUNCTION_MARK =
  /^\/\/ \w+: App Services function generated from src\/functions\/\w+\.ts by `npm run build`\./;

/** A page of which only the part between two marker lines is generated; the rest is written by hand. */
export interface GeneratedPart {
  readonly start: string;
  readonly end: string;
}

/** One generated file (or part of a page) and what its command writes there now. */
export interface GeneratedFile {
  readonly path: string;
  readonly by: Generator;
  readonly part?: GeneratedPart;
  /** The whole file, or the text between the part's markers; undefined when this command does not compute it. */
  readonly content?: string;
}

export interface ManifestEntry {
  readonly by: Generator;
  /** For a part: the marker lines it lies between. */
  readonly part?: GeneratedPart;
  readonly sha256: string;
}

export type Manifest = Record<string, ManifestEntry>;

/** What `npm run docs` writes: the settings reference of docs/configuration.md (its content takes the commands' --help to compute). */
export const DOCS_GENERATED: readonly GeneratedFile[] = [
  { path: "docs/configuration.md", by: "npm run docs", part: { start: BEGIN_MARK, end: END_MARK } },
];

export const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/** The text between a part's markers, or why there is none. */
export function partOf(page: string, part: GeneratedPart): string | { problem: string } {
  const start = page.indexOf(part.start);
  const end = page.indexOf(part.end, start + part.start.length);
  if (start < 0 || end < 0) return { problem: `has no generated part (the lines "${part.start}" and "${part.end}")` };
  return page.slice(start + part.start.length, end);
}

/** What the tree holds where `file` is generated: the file's text or its part's, or why it cannot be read. */
export function readGenerated(root: string, file: GeneratedFile): string | { problem: string } {
  const path = join(root, file.path);
  if (!existsSync(path)) return { problem: "missing" };
  const text = readFileSync(path, "utf8");
  return file.part ? partOf(text, file.part) : text;
}

/** The manifest as committed; undefined when there is none. Throws naming the file when it is not a manifest. */
export function readManifest(root: string): Manifest | undefined {
  const path = join(root, MANIFEST);
  if (!existsSync(path)) return undefined;
  const parsed = JSON.parse(readFileSync(path, "utf8")) as { files?: unknown };
  if (typeof parsed.files !== "object" || parsed.files === null)
    throw new Error(`${MANIFEST} has no "files" object: run npm run build to rewrite it`);
  return parsed.files as Manifest;
}

export function renderManifest(files: Manifest): string {
  const sorted = Object.fromEntries(
    Object.keys(files)
      .sort()
      .map((path) => [path, files[path]]),
  );
  const about =
    "Files written by a command, not by hand: edit their sources and run the command. `npm run build -- --check` verifies this list.";
  return `${JSON.stringify({ about, files: sorted }, null, 2)}\n`;
}

/**
 * Records what `by` has just written: its entries become `files` (those whose text could be read),
 * every other command's entries are kept as they are.
 */
export function recordGenerated(root: string, by: Generator, files: readonly GeneratedFile[]): void {
  let manifest: Manifest;
  try {
    manifest = readManifest(root) ?? {};
  } catch {
    // Not JSON (a merge left conflict markers in it): rewritten from what this command wrote; the
    // other command's entries come back when it runs (--check names them until then).
    manifest = {};
  }
  const kept = Object.entries(manifest).filter(([, entry]) => entry.by !== by);
  const written: [string, ManifestEntry][] = [];
  for (const file of files) {
    const text = readGenerated(root, file);
    if (typeof text !== "string") continue;
    written.push([file.path, { by, ...(file.part ? { part: file.part } : {}), sha256: sha256(text) }]);
  }
  const next = renderManifest(Object.fromEntries([...kept, ...written]));
  const path = join(root, MANIFEST);
  if (!existsSync(path) || readFileSync(path, "utf8") !== next) writeFileSync(path, next);
}

/**
 * Every way the tree's generated files disagree with the manifest and with `fresh` (what every
 * command writes now; a file whose content is undefined is checked against the manifest only), as
 * "<path>: <what is wrong>" lines naming the command that fixes it. With `only`, just the files of
 * `fresh` are checked (not the manifest's other entries, nor files the manifest misses).
 */
export function generatedFileProblems(
  root: string,
  fresh: readonly GeneratedFile[],
  options: { only?: boolean } = {},
): string[] {
  let manifest: Manifest | undefined;
  try {
    manifest = readManifest(root);
  } catch (error) {
    return [`${MANIFEST}: ${error instanceof Error ? error.message : String(error)}`];
  }
  if (!manifest) return [`${MANIFEST}: missing (run npm run build, then npm run docs)`];
  const problems = fresh.flatMap((file) => fileProblems(root, file, manifest[file.path]));
  if (options.only) return problems;
  const freshPaths = new Set(fresh.map((file) => file.path));
  for (const [path, entry] of Object.entries(manifest))
    if (!freshPaths.has(path))
      problems.push(`${path}: in ${MANIFEST}, but ${entry.by} no longer writes it (run ${entry.by})`);
  for (const path of markedButNotWritten(root, freshPaths))
    if (!manifest[path])
      problems.push(
        path.startsWith("functions/")
          ? `${path}: says npm run build generated it, but src/functions has no source for it (delete it)`
          : `${path}: named as a generated trigger, but npm run build no longer writes it (run npm run build: it removes it)`,
      );
  return problems;
}

function fileProblems(root: string, file: GeneratedFile, entry: ManifestEntry | undefined): string[] {
  const text = readGenerated(root, file);
  if (typeof text !== "string")
    return [
      file.part
        ? `${file.path}: ${text.problem} (restore the page: ${file.by} writes only its generated part)`
        : `${file.path}: ${text.problem} (run ${file.by})`,
    ];
  if (!entry) return [`${file.path}: not in ${MANIFEST} (run ${file.by})`];
  const hash = sha256(text);
  if (entry.by !== file.by)
    return [`${file.path}: ${MANIFEST} says ${entry.by} writes it, but ${file.by} does (run ${file.by})`];
  if (hash !== entry.sha256) return [`${file.path}: changed by hand: not what ${file.by} wrote (run ${file.by})`];
  if (file.content !== undefined && text !== file.content)
    return [`${file.path}: out of date: its sources changed since ${file.by} wrote it (run ${file.by})`];
  return [];
}

/**
 * Files that say they are the build's (a functions/*.js with its first line, a capture or fixed
 * trigger's name) but that it does not write now. The build removes such triggers; a function file
 * it leaves to be deleted by hand (one made in the UI has no such line and is never named).
 */
function markedButNotWritten(root: string, written: ReadonlySet<string>): string[] {
  const files = (dir: string) => (existsSync(join(root, dir)) ? readdirSync(join(root, dir)) : []);
  const functions = files("functions")
    .filter((file) => file.endsWith(".js") && FUNCTION_MARK.test(readFileSync(join(root, "functions", file), "utf8")))
    .map((file) => `functions/${file}`);
  const triggers = files("triggers")
    .filter((file) => file.endsWith(".json") && isGeneratedTrigger(file))
    .map((file) => `triggers/${file}`);
  return [...functions, ...triggers].filter((path) => !written.has(path));
}

import type { Document } from "../../ports";
import { misconfigured, type Parser } from "../../settings";
import { isFieldDocument, relateKey } from "./field-paths";
import { filterPaths, filterProblems } from "./match-filter";

/**
 * Per-collection capture options, written in the capture list after the namespace and its ordering
 * (`exclude=ssn|profile.email`, `mask=phone`, `match={"region": "eu"}`), carried to run time in the
 * generated value CAPTURE_OPTIONS and applied by shape-event.ts to every record that leaves.
 */
export interface CaptureOptions {
  /** Field paths never published. */
  readonly exclude: readonly string[];
  /** Field paths published as a keyed hash (CAPTURE_MASK_KEY). */
  readonly mask: readonly string[];
  /** A filter (JSON text, Extended JSON values allowed): only documents it matches are published. */
  readonly match?: string;
}

export const NO_OPTIONS: CaptureOptions = { exclude: [], mask: [] };

export function hasOptions(options: CaptureOptions): boolean {
  return options.exclude.length > 0 || options.mask.length > 0 || options.match !== undefined;
}

const OPTION_NAMES = ["exclude", "mask", "match"];

/** Why a path cannot be an option's path, or undefined when it can. */
export function pathProblem(path: string): string | undefined {
  const parts = path.split(".");
  if (parts.some((part) => part === "")) return `"${path}" is not a field path (an empty part)`;
  if (parts.some((part) => part.charAt(0) === "$")) return `"${path}" is not a field path (a part starts with $)`;
  if (parts.some((part) => /^[0-9]+$/.test(part)))
    return `"${path}" names an array position; a path applies to every element of the arrays it crosses, so leave the position out`;
  if (parts.some((part) => part.indexOf("\0") !== -1)) return `"${path}" holds a NUL character`;
  if (parts[0] === "_id") return `"${path}" is in the document key _id, which every record carries whole`;
  return undefined;
}

/**
 * A path holding another separator than "|" (";" or ","): almost surely a list, which as one path
 * would exclude or mask a field named "ssn;phone" and publish ssn. Such field names are legal in
 * MongoDB, and refused here all the same: a list of paths is the likely meaning.
 */
function separatorProblem(path: string, list: string): string | undefined {
  const separator = /[;,]/.exec(path);
  if (!separator) return undefined;
  const meant = list
    .split(/[|;,]/)
    .map((part) => part.trim())
    .join("|");
  return `"${path}" holds "${separator[0]}": paths are separated by |; did you mean "${meant}"?`;
}

/**
 * Reads the option fields of one capture-list line (each `name=value`; a value with commas or quotes
 * is a CSV-quoted field). Returns the options, or the problems, each naming the option.
 */
export function parseOptionFields(fields: readonly string[]): { options: CaptureOptions; problems: string[] } {
  const problems: string[] = [];
  const seen: Record<string, string> = {};
  fields.forEach((field, i) => {
    const eq = field.indexOf("=");
    const name = eq === -1 ? field : field.slice(0, eq).trim();
    if (eq === -1 || OPTION_NAMES.indexOf(name) === -1) {
      // A path after an unquoted comma ("exclude=ssn,phone") reads as a field of its own.
      const previous = i > 0 ? fields[i - 1] : "";
      const hint =
        eq === -1 && /^(exclude|mask)=/.test(previous) && pathProblem(field) === undefined
          ? `; paths are separated by |: did you mean "${previous}|${field}"?`
          : "";
      problems.push(
        `unknown option "${field.slice(0, 40)}" (after the collection and its ordering come exclude=<path>|…, mask=<path>|…, match=<JSON filter>)${hint}`,
      );
      return;
    }
    if (seen[name] !== undefined) problems.push(`${name}= is given twice`);
    seen[name] = field.slice(eq + 1).trim();
  });
  const paths = (name: "exclude" | "mask"): string[] => {
    if (seen[name] === undefined) return [];
    const list = seen[name].split("|").map((path) => path.trim());
    if (seen[name] === "") problems.push(`${name}= needs at least one field path`);
    else
      list.forEach((path, i) => {
        const problem = pathProblem(path) || separatorProblem(path, seen[name]);
        if (problem) problems.push(`${name}: ${problem}`);
        else if (list.indexOf(path) !== i) problems.push(`${name}: "${path}" is listed twice`);
      });
    return list;
  };
  const exclude = paths("exclude");
  const mask = paths("mask");
  for (const masked of mask)
    for (const excluded of exclude)
      if (relateKey(masked.split("."), excluded.split(".")).is !== "apart")
        problems.push(`"${masked}" is masked and "${excluded}" excluded: a path may be one or the other`);
  let match: string | undefined;
  if (seen.match !== undefined) {
    match = seen.match;
    let filter: unknown;
    try {
      filter = JSON.parse(match);
    } catch (error) {
      problems.push(
        `match= is not valid JSON (${error instanceof Error ? error.message : String(error)}); quote the whole field as CSV does, doubling its quotes: "match={""region"": ""eu""}"`,
      );
    }
    if (filter !== undefined) for (const problem of filterProblems(filter)) problems.push(`match: ${problem}`);
  }
  return { options: { exclude, mask, ...(match !== undefined ? { match } : {}) }, problems };
}

/** The generated value CAPTURE_OPTIONS: only namespaces with options, in list order. */
export function captureOptionsValue(entries: readonly { db: string; coll: string; options: CaptureOptions }[]) {
  return entries
    .filter((entry) => hasOptions(entry.options))
    .map(({ db, coll, options }) => ({ namespace: `${db}.${coll}`, ...options }));
}

/** What the functions hold after reading CAPTURE_OPTIONS: options by namespace, or why they cannot be used. */
export interface CaptureOptionsTable {
  readonly byNamespace: Readonly<Record<string, CaptureOptions>>;
  /** Set when the options could not be read: nothing of a namespace may be published unshaped then. */
  readonly unreadable?: string;
}

export const NO_CAPTURE_OPTIONS: CaptureOptionsTable = { byNamespace: {} };

/** A table that refuses every namespace (its options could not be read). */
export function unreadableCaptureOptions(reason: string): CaptureOptionsTable {
  return { byNamespace: {}, unreadable: reason };
}

/**
 * The last options read, by their text: the functions read their values on every call, and reusing
 * the table lets shape-event.ts reuse what it compiled for it (filters, paths) while the host keeps
 * the function loaded.
 */
let lastRead: { text: string; name: string; table: CaptureOptionsTable } | undefined;

/** CAPTURE_OPTIONS as generated (a JSON array, or its text): checked as strictly as the capture list. */
export const captureOptionsParser: Parser<CaptureOptionsTable> = (raw, name) => {
  const text = typeof raw === "string" ? raw : JSON.stringify(raw);
  if (lastRead && lastRead.text === text && lastRead.name === name) return lastRead.table;
  const table = parseCaptureOptions(raw, name);
  lastRead = { text, name, table };
  return table;
};

function parseCaptureOptions(raw: unknown, name: string): CaptureOptionsTable {
  let value = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      throw misconfigured(`${name} is not valid JSON`);
    }
  }
  if (!Array.isArray(value)) throw misconfigured(`${name} must be an array of {namespace, exclude, mask, match}`);
  const byNamespace: Record<string, CaptureOptions> = {};
  value.forEach((entry, i) => {
    const where = `${name}[${i}]`;
    if (!isFieldDocument(entry) || typeof entry.namespace !== "string" || !/^[^.]+\..+$/.test(entry.namespace))
      throw misconfigured(`${where} needs a "namespace" such as "app.users"`);
    const paths = (field: "exclude" | "mask"): string[] => {
      const list = entry[field] === undefined ? [] : entry[field];
      if (!Array.isArray(list) || list.some((p) => typeof p !== "string" || pathProblem(p) !== undefined))
        throw misconfigured(`${where}.${field} must be an array of field paths`);
      return list as string[];
    };
    if (entry.match !== undefined && typeof entry.match !== "string")
      throw misconfigured(`${where}.match must be the filter's JSON text`);
    byNamespace[entry.namespace] = {
      exclude: paths("exclude"),
      mask: paths("mask"),
      ...(entry.match !== undefined ? { match: entry.match as string } : {}),
    };
  });
  return { byNamespace };
}

/** A namespace's options: its own, else its whole database's ("db.*"). */
export function optionsFor(table: CaptureOptionsTable, db: string, coll: string): CaptureOptions {
  return table.byNamespace[`${db}.${coll}`] || table.byNamespace[`${db}.*`] || NO_OPTIONS;
}

/**
 * The trigger's server-side `project`: excluded paths left out of the full document, the pre-image
 * and the updated fields before the event reaches the function, in App Services' exclusion form
 * (all 0; `operationType` is never excluded). Paths the match reads are kept (the function needs
 * them to decide), and so are keys of `updatedFields` that are dotted paths, which a projection
 * cannot name: the function applies every option whatever the trigger left.
 */
export function triggerProjection(options: CaptureOptions): Document {
  const read = options.match !== undefined ? filterPaths(JSON.parse(options.match) as Document) : [];
  const project: Document = {};
  for (const path of options.exclude) {
    if (read.some((other) => relateKey(path.split("."), other).is !== "apart")) continue;
    for (const part of ["fullDocument", "fullDocumentBeforeChange", "updateDescription.updatedFields"])
      project[`${part}.${path}`] = { $numberInt: "0" };
  }
  return project;
}

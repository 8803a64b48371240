/**
 * What every part's checker shares: the app folder's files, the report being written, and the names
 * the app defines (functions, data sources) that other parts refer to.
 */
import Ajv, { type ValidateFunction } from "ajv";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/**
 * Which layout the folder is, named after its root files: the App Services CLI's (root_config.json),
 * realm-cli 2's 20210101 (realm_config.json), or the older 20200603 (config.json) and 20180301 (stitch.json).
 */
export type Layout = "appservices" | "20210101" | "20200603" | "20180301";

/** The layouts before 20210101: one folder per function, clusters among the services, settings in the root file. */
export const isOlder = (layout: Layout): boolean => layout === "20200603" || layout === "20180301";

export interface ExportReport {
  /** Which layout the folder is (absent: not an App Services app folder). */
  readonly layout?: Layout;
  /** What a push would refuse, or what would break this project's own functions. */
  readonly problems: string[];
  /** Everything else worth a look: kept, and not a reason to stop. */
  readonly warnings: string[];
}

export type Json = Record<string, unknown>;

/** An object's fields, or none when it is not an object. */
export const record = (value: unknown): Json =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};

/** The app folder's files and the report about them; every message names the file (and the field). */
export class AppFiles {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];
  /** Files present but unreadable: reported once, and nothing that depends on them is reported again. */
  readonly unreadable = new Set<string>();
  private readonly ajv = new Ajv({ allErrors: true, strict: false });
  private readonly compiled = new Map<object, ValidateFunction>();

  constructor(readonly root: string) {}

  fail(message: string): void {
    this.problems.push(message);
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  exists(path: string): boolean {
    return existsSync(join(this.root, path));
  }

  isFolder(path: string): boolean {
    return this.exists(path) && statSync(join(this.root, path)).isDirectory();
  }

  size(path: string): number {
    return statSync(join(this.root, path)).size;
  }

  /** The parsed JSON file, or undefined when it is absent or unreadable (reported once). */
  read(path: string): unknown {
    if (!this.exists(path)) return undefined;
    try {
      return JSON.parse(readFileSync(join(this.root, path), "utf8"));
    } catch (error) {
      this.unreadable.add(path);
      this.fail(`${path}: not valid JSON (${(error as Error).message.replace(/\s+/g, " ")})`);
      return undefined;
    }
  }

  /** Sorted names in a folder (none when it is absent), folders or files only when asked. */
  entries(dir: string, only?: "folders" | "files"): string[] {
    if (!this.isFolder(dir)) return [];
    return readdirSync(join(this.root, dir), { withFileTypes: true })
      .filter((e) => (only === "folders" ? e.isDirectory() : only === "files" ? !e.isDirectory() : true))
      .map((e) => e.name)
      .sort();
  }

  jsonFiles(dir: string): string[] {
    return this.entries(dir, "files").filter((f) => f.endsWith(".json"));
  }

  /**
   * Checks `value` against `schema`: fields the schema does not list are warnings, everything else a
   * problem naming the field. False when there was a problem (or nothing to check).
   */
  validate(path: string, value: unknown, schema: object): boolean {
    if (value === undefined) return false;
    let check = this.compiled.get(schema);
    if (!check) this.compiled.set(schema, (check = this.ajv.compile(schema)));
    if (check(value)) return true;
    let valid = true;
    for (const error of check.errors || []) {
      const field = error.instancePath ? error.instancePath.slice(1).replace(/\//g, ".") : "(root)";
      if (error.keyword === "if" || error.keyword === "anyOf") continue;
      if (error.keyword === "additionalProperties") {
        const extra = String((error.params as { additionalProperty?: unknown }).additionalProperty);
        this.warn(
          `${path}: ${field === "(root)" ? "" : `${field}.`}${extra} is not in the App Services reference (kept)`,
        );
        continue;
      }
      const allowed =
        error.params && "allowedValues" in error.params
          ? ` (${(error.params.allowedValues as unknown[]).join(", ")})`
          : "";
      this.fail(`${path}: ${field} ${error.message}${allowed}`);
      valid = false;
    }
    return valid;
  }
}

/**
 * Names an app defines. A name that is not there is reported only when every file that defines such
 * names was read: after an unreadable file, a miss is that file's problem, already reported.
 */
export class Names {
  private readonly names = new Set<string>();
  complete = true;

  add(name: unknown): void {
    if (typeof name === "string") this.names.add(name);
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  /** False only when the name is surely missing. */
  mayHave(name: string): boolean {
    return this.names.has(name) || !this.complete;
  }
}

/** The app being checked: its files and report, its layout, and the names its parts refer to. */
export interface App {
  readonly files: AppFiles;
  readonly layout: Layout;
  /**
   * This repository's export (it lists the functions `npm run build` makes): the project's own
   * conventions hold here as problems; in other people's apps they are warnings at most.
   */
  ours: boolean;
  /** Functions listed in functions/config.json (older layouts: functions/<name>/config.json). */
  readonly functions: Names;
  /** Function sources present (functions/<name>.js): App Services lists them on import when they are not. */
  readonly sources: Set<string>;
  /** Linked data sources by name (older layouts: the MongoDB services). */
  readonly dataSources: Names;
  /** Values by name, as they are in values/. */
  readonly values: Map<string, { from_secret: boolean; value: unknown }>;
}

/** Every reference to a function goes through here, so each part says it the same way. */
export function needFunction(app: App, path: string, field: string, name: unknown): void {
  if (typeof name !== "string" || app.functions.mayHave(name)) return;
  const listing = isOlder(app.layout) ? "functions/" : "functions/config.json";
  if (app.sources.has(name))
    app.files.warn(
      `${path}: ${field} "${name}" is not in ${listing}; App Services lists functions/${name}.js with default settings on import`,
    );
  else app.files.fail(`${path}: ${field} "${name}" is not in ${listing}`);
}

export function needDataSource(app: App, path: string, field: string, name: unknown): void {
  if (typeof name !== "string" || name === "" || app.dataSources.mayHave(name)) return;
  const where = isOlder(app.layout) ? "a MongoDB service in services/" : "a data source in data_sources/";
  app.files.fail(`${path}: ${field} "${name}" is not ${where}`);
}

/** Parts of App Services that ended on 2025-09-30 (platform status): kept in old exports, no longer served. */
export function retired(app: App, part: string, what: string): void {
  app.files.warn(`${part}: ${what} ended on 2025-09-30; this part is no longer served`);
}

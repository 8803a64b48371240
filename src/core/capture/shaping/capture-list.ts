import { createHash } from "crypto";
import { parse as parseCsv } from "csv-parse/sync";
import { BridgeError } from "../../errors";
import { databaseNameProblem, namespaceProblem } from "../../mongo-names";
import { NO_OPTIONS, parseOptionFields, type CaptureOptions } from "./capture-options";
import { CAPTURE_ERRORS } from "../errors";

export interface CapturedCollection {
  readonly db: string;
  /** "*" for the whole database (one database-level trigger). */
  readonly coll: string;
  readonly line: number;
  /** Whether the trigger runs events one at a time (the default) or many at once. */
  readonly ordering: "ordered" | "unordered";
  /** exclude=, mask=, match= (capture-options.ts); NO_OPTIONS when the line has none. */
  readonly options: CaptureOptions;
}

/** The collection name that stands for a whole database in the capture list. */
export const WHOLE_DATABASE = "*";

/** Every problem of a capture list, one per line (the build stops on it). */
export class CaptureListError extends BridgeError {
  constructor(readonly problems: string[]) {
    super("capture_list_invalid", problems.join("\n"), { kind: CAPTURE_ERRORS.capture_list_invalid.kind });
    this.name = "CaptureListError";
  }
}

/** Words a header line of a two-column list would hold ("database,collection"). */
const HEADER_WORDS = {
  database: ["database", "db", "database_name", "databasename", "dbname", "namespace", "ns"],
  collection: ["collection", "coll", "collection_name", "collectionname", "table"],
};

/** One line's CSV fields, read by csv-parse (quoted fields may hold commas and doubled quotes). */
function csvFields(line: string): string[] | string {
  try {
    const rows = parseCsv(line, { trim: true, relax_column_count: true }) as string[][];
    return rows.length === 1 ? rows[0] : `holds ${rows.length} CSV records`;
  } catch (error) {
    return `is not valid CSV (${error instanceof Error ? error.message : String(error)}); a field holding a quote or comma is quoted, its quotes doubled: "match={""region"": ""eu""}"`;
  }
}

/**
 * Parses the capture list: one `database.collection` or `database,collection` per line, no header (as
 * Streamkap's CSV bulk upload), optionally followed by `ordered` or `unordered`, then options as
 * CSV fields (`exclude=<path>|…`, `mask=<path>|…`, `match=<JSON filter>`, see capture-options.ts);
 * `database.*` captures a whole database with one database-level trigger. Blank lines and lines
 * starting with # are ignored. Every bad line is reported with its number; nothing is generated
 * from a list with errors.
 */
export function parseCaptureList(text: string, fileName: string): CapturedCollection[] {
  const problems: string[] = [];
  const entries: CapturedCollection[] = [];
  const seen = new Map<string, number>();
  let headerPossible = true;
  text
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = i + 1;
      const trimmed = raw.trim();
      if (trimmed === "" || trimmed.startsWith("#")) return;
      const where = `${fileName} line ${line}`;
      const isFirst = headerPossible;
      headerPossible = false;
      const fields = csvFields(trimmed);
      if (typeof fields === "string") {
        problems.push(`${where}: ${fields}`);
        return;
      }
      // A database name holds no dot, so a first field with one is "database.collection".
      const dotted = fields[0].indexOf(".");
      let db: string;
      let coll: string;
      let settings: string[];
      if (dotted > 0) {
        db = fields[0].slice(0, dotted);
        coll = fields[0].slice(dotted + 1);
        settings = fields.slice(1);
      } else {
        db = fields[0];
        coll = fields.length > 1 ? fields[1] : "";
        settings = fields.slice(2);
      }
      if (
        isFirst &&
        dotted <= 0 &&
        HEADER_WORDS.database.indexOf(db.toLowerCase()) !== -1 &&
        HEADER_WORDS.collection.indexOf(coll.toLowerCase()) !== -1
      ) {
        problems.push(
          `${where}: "${trimmed.slice(0, 80)}" looks like a header line; the capture list has none (remove it; to capture a database named "${db}", write ${db}.${coll})`,
        );
        return;
      }
      if (db === "" || coll === "") {
        problems.push(`${where}: "${trimmed.slice(0, 80)}" is not "database.collection" or "database,collection"`);
        return;
      }
      const ordering = settings[0] === "ordered" || settings[0] === "unordered" ? settings[0] : undefined;
      const optionFields = ordering ? settings.slice(1) : settings;
      if (optionFields.some((field) => field === "ordered" || field === "unordered")) {
        problems.push(`${where}: "ordered" or "unordered" comes once, right after the collection`);
        return;
      }
      const parsed = parseOptionFields(optionFields);
      if (parsed.problems.length > 0) {
        for (const problem of parsed.problems) problems.push(`${where}: ${problem}`);
        return;
      }
      const invalid = coll === WHOLE_DATABASE ? databaseNameProblem(db) : namespaceProblem(db, coll);
      if (invalid !== undefined) {
        problems.push(`${where}: ${invalid}`);
        return;
      }
      const key = `${db}.${coll}`;
      const first = seen.get(key);
      if (first !== undefined) {
        problems.push(`${where}: ${key} is already listed on line ${first}`);
        return;
      }
      const whole = seen.get(`${db}.${WHOLE_DATABASE}`);
      const overlap =
        coll === WHOLE_DATABASE
          ? [...seen].find(([ns]) => ns.startsWith(`${db}.`))
          : whole !== undefined
            ? [`${db}.*`, whole]
            : undefined;
      if (overlap) {
        problems.push(
          `${where}: ${key} overlaps ${overlap[0]} on line ${overlap[1]} (a change would be captured twice)`,
        );
        return;
      }
      seen.set(key, line);
      entries.push({
        db,
        coll,
        line,
        ordering: ordering === "unordered" ? "unordered" : "ordered",
        options: optionFields.length > 0 ? parsed.options : NO_OPTIONS,
      });
    });
  if (problems.length > 0) throw new CaptureListError(problems);
  return entries;
}

/** Trigger names: at most 64 of letters, digits, _ and -. A hash keeps adjusted names unique. */
export function captureTriggerName(db: string, coll: string): string {
  const plain = coll === WHOLE_DATABASE ? `capture_${db}` : `capture_${db}_${coll}`;
  const safe = plain.replace(/[^A-Za-z0-9_-]/g, "_");
  if (safe === plain && safe.length <= 64) return safe;
  const hash = createHash("sha256").update(`${db}.${coll}`).digest("hex").slice(0, 8);
  return `${safe.slice(0, 55)}_${hash}`;
}

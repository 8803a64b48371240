import { createHash } from "crypto";
import { BridgeError } from "../errors";

export interface CapturedCollection {
  readonly db: string;
  /** "*" for the whole database (one database-level trigger). */
  readonly coll: string;
  readonly line: number;
  /** Whether the trigger runs events one at a time (the default) or many at once. */
  readonly ordering: "ordered" | "unordered";
}

/** The collection name that stands for a whole database in the capture list. */
export const WHOLE_DATABASE = "*";

/** Every problem of a capture list, one per line (the build stops on it). */
export class CaptureListError extends BridgeError {
  constructor(readonly problems: string[]) {
    super("capture_list_invalid", problems.join("\n"));
    this.name = "CaptureListError";
  }
}

const BAD_DATABASE_CHARS = /[/\\. "$*<>:|?\0]/;

/**
 * Parses the capture list: one `database.collection` or `database,collection` per line, no header (as
 * Streamkap's CSV bulk upload), optionally followed by `,ordered` or `,unordered`; `database.*`
 * captures a whole database with one database-level trigger. Blank lines and lines starting with #
 * are ignored. Every bad line is reported with its number; nothing is generated from a list with errors.
 */
export function parseCaptureList(text: string, fileName: string): CapturedCollection[] {
  const problems: string[] = [];
  const entries: CapturedCollection[] = [];
  const seen = new Map<string, number>();
  text
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = i + 1;
      const trimmed = raw.trim();
      if (trimmed === "" || trimmed.startsWith("#")) return;
      const where = `${fileName} line ${line}`;
      const fields = trimmed.split(",").map((field) => field.trim());
      // A database name holds no dot, so a first field with one is "database.collection".
      const dotted = fields[0].indexOf(".");
      let db: string;
      let coll: string;
      let options: string[];
      if (dotted > 0) {
        db = fields[0].slice(0, dotted);
        coll = fields[0].slice(dotted + 1);
        options = fields.slice(1);
      } else {
        db = fields[0];
        coll = fields.length > 1 ? fields[1] : "";
        options = fields.slice(2);
      }
      if (db === "" || coll === "") {
        problems.push(`${where}: "${trimmed.slice(0, 80)}" is not "database.collection" or "database,collection"`);
        return;
      }
      if (options.length > 1 || (options.length === 1 && options[0] !== "ordered" && options[0] !== "unordered")) {
        problems.push(
          `${where}: after the collection, only "ordered" or "unordered" may follow; found "${options.join(",").slice(0, 80)}"`,
        );
        return;
      }
      if (BAD_DATABASE_CHARS.test(db) || db.length > 63) {
        problems.push(
          `${where}: database name "${db.slice(0, 80)}" is invalid (at most 63 characters, none of / \\ . " $ * < > : | ? or spaces)`,
        );
        return;
      }
      if (coll !== WHOLE_DATABASE && (coll.includes("$") || coll.includes("\0") || coll.startsWith("system."))) {
        problems.push(`${where}: collection name "${coll.slice(0, 80)}" is invalid (no "$", no NUL, not system.*)`);
        return;
      }
      if (Buffer.byteLength(`${db}.${coll}`) > 255) {
        problems.push(`${where}: namespace "${db}.${coll.slice(0, 40)}…" is longer than 255 bytes`);
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
      entries.push({ db, coll, line, ordering: options[0] === "unordered" ? "unordered" : "ordered" });
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

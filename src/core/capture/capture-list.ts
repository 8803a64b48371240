import { createHash } from "crypto";

export interface CapturedCollection {
  readonly db: string;
  readonly coll: string;
  readonly line: number;
}

export class CaptureListError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "CaptureListError";
  }
}

const BAD_DATABASE_CHARS = /[/\\. "$*<>:|?\0]/;

/**
 * Parses the capture list: one `database.collection` or `database,collection` per line, no header (as
 * Streamkap's CSV bulk upload). Blank lines and lines starting with # are ignored. Every bad line is
 * reported with its number; nothing is generated from a list with errors.
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
      const comma = trimmed.indexOf(",");
      const separator = comma !== -1 ? comma : trimmed.indexOf(".");
      if (separator <= 0 || separator === trimmed.length - 1) {
        problems.push(`${where}: "${trimmed.slice(0, 80)}" is not "database.collection" or "database,collection"`);
        return;
      }
      const db = trimmed.slice(0, separator).trim();
      const coll = trimmed.slice(separator + 1).trim();
      if (comma !== -1 && coll.includes(",")) {
        problems.push(`${where}: expected two columns (database,collection), found more`);
        return;
      }
      if (BAD_DATABASE_CHARS.test(db) || db.length > 63) {
        problems.push(
          `${where}: database name "${db.slice(0, 80)}" is invalid (at most 63 characters, none of / \\ . " $ * < > : | ? or spaces)`,
        );
        return;
      }
      if (coll.includes("$") || coll.includes("\0") || coll.startsWith("system.")) {
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
      seen.set(key, line);
      entries.push({ db, coll, line });
    });
  if (problems.length > 0) throw new CaptureListError(problems);
  return entries;
}

/** Trigger names: at most 64 of letters, digits, _ and -. A hash keeps adjusted names unique. */
export function captureTriggerName(db: string, coll: string): string {
  const plain = `capture_${db}_${coll}`;
  const safe = plain.replace(/[^A-Za-z0-9_-]/g, "_");
  if (safe === plain && safe.length <= 64) return safe;
  const hash = createHash("sha256").update(`${db}.${coll}`).digest("hex").slice(0, 8);
  return `${safe.slice(0, 55)}_${hash}`;
}

import type { BsonPort } from "../../bson-port";
import { parseExtendedJson } from "../../ejson/parse-extended-json";
import { decodedLength } from "../../ejson/text-formats";
import { isBridgeError } from "../../errors";
import type { Document } from "../../ports";
import { refusal, type DeadLetterReasonCode, type Refusal } from "../dead-letters/dead-letter-reasons";

export type DecodedRecord = DocumentRecord | { readonly kind: "empty"; readonly index: number } | RejectedRecord;

export interface DocumentRecord {
  readonly kind: "document";
  readonly index: number;
  readonly document: Document;
  /** How deep the record nests (parseExtendedJson's measure), and its size as UTF-8 text: see document-limits.ts. */
  readonly depth: number;
  readonly bytes: number;
}

export interface RejectedRecord {
  readonly kind: "rejected";
  readonly index: number;
  readonly refusal: Refusal;
  /** The record's data as it arrived, for its dead letter. */
  readonly data: unknown;
}

/** A delivery's records after their base64 step, as the parse step reads them. */
export interface DecodedRecordBytes {
  /** Set when the base64 step already decided the record: nothing to parse, or a rejection. */
  settled(index: number): DecodedRecord | undefined;
  /** The record's bytes as UTF-8 text, or undefined when they are not valid UTF-8. */
  utf8Text(index: number): string | undefined;
  /** The record's data exactly as the delivery body holds it, for a dead letter. */
  rawData(index: number): unknown;
  /** The record's decoded size in bytes (0 when it has none). */
  byteLength(index: number): number;
}

/**
 * Where a record's `data` decodes into a shared buffer: its decoded length, or the rejection when
 * `data` is not a strict base64 string. Node's decoder skips characters outside the alphabet and
 * stops at a misplaced "=", so the length written is checked against the length the text implies.
 */
export function writeRecordData(data: unknown, index: number, target: Buffer, offset: number): number | DecodedRecord {
  if (typeof data !== "string") return rejected(index, "no_data", data);
  if (data.length === 0) return { kind: "empty", index };
  const written = target.write(data, offset, target.length - offset, "base64");
  if (written !== decodedLength(data)) return rejected(index, "not_base64", data);
  return written;
}

/** The most bytes a base64 text of `length` characters can decode to. */
export function maxDecodedLength(length: number): number {
  return Math.ceil(length / 4) * 3;
}

/**
 * Bytes -> strict UTF-8 -> Extended JSON -> document. A record that fails a step is returned as
 * "rejected" with a stable reason (no record content in it), so one bad record never fails its batch.
 */
export function parseRecord(records: DecodedRecordBytes, index: number, bson: BsonPort): DecodedRecord {
  const settled = records.settled(index);
  if (settled !== undefined) return settled;
  const text = records.utf8Text(index);
  if (text === undefined) return rejected(index, "not_utf8", records.rawData(index));
  const measured = { depth: 0 };
  let value: unknown;
  try {
    value = parseExtendedJson(text, bson, measured);
  } catch (error) {
    const refused = parseRefusal(error);
    return rejected(index, refused.code, records.rawData(index), refused.message);
  }
  const problem = documentProblem(value, bson);
  if (problem !== undefined) return rejected(index, problem.code, records.rawData(index), problem.reason);
  return {
    kind: "document",
    index,
    document: value as Document,
    depth: measured.depth,
    bytes: records.byteLength(index),
  };
}

/** The parser's errors (all of them content-free: our own words, or JSON.parse's kind only) as reasons. */
function parseRefusal(error: unknown): { code: DeadLetterReasonCode; message?: string } {
  // JSON.parse messages quote the input, so they are not kept.
  if (error instanceof SyntaxError) return { code: "not_json" };
  const code = isBridgeError(error) ? PARSE_REFUSALS[error.code] : undefined;
  if (code !== undefined) return { code, message: (error as Error).message };
  // Anything else is a defect of the parser (a library's message may quote the record: only its name is kept).
  return { code: "record_failed", message: `reading the record failed: ${errorName(error)}` };
}

const PARSE_REFUSALS: Readonly<Record<string, DeadLetterReasonCode | undefined>> = {
  extended_json_invalid: "not_extended_json",
  field_name_invalid: "invalid_field_name",
  string_invalid: "invalid_string",
  nesting_too_deep: "document_too_deep",
};

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

function documentProblem(value: unknown, bson: BsonPort): { code: DeadLetterReasonCode; reason?: string } | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value) || bson.bsonType(value) !== undefined) {
    return { code: "not_object" };
  }
  const document = value as Document;
  for (const key in document) {
    if (key.charCodeAt(0) === 36 /* $ */)
      return { code: "top_level_operator", reason: `top-level field "${key.slice(0, 64)}" starts with "$"` };
  }
  // What the fields mean (and which _id is valid) is for the record's format to say (formats/).
  return undefined;
}

function rejected(index: number, code: DeadLetterReasonCode, data: unknown, message?: string): RejectedRecord {
  return { kind: "rejected", index, refusal: refusal(code, message), data };
}

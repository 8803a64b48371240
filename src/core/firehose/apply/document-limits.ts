import type { BsonPort } from "../../bson-port";
import { isInteger } from "../../numbers";
import type { Document, WriteOperation } from "../../ports";
import { refusal, type Refusal } from "../dead-letters/dead-letter-reasons";
import type { DocumentRecord } from "../protocol/decode-record";

/*
 * MongoDB's limits on one document, checked here before a write so that a record beyond them is
 * dead-lettered the same way on every store (the embedded store, Atlas, App Services), rather than
 * left to what each store or driver does with it (a server refusal, a driver error that fails the
 * whole batch, or a store that keeps it).
 */

/** "The maximum BSON document size is 16 mebibytes" (MongoDB Limits and Thresholds, BSON Document Size). */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/**
 * "MongoDB supports no more than 100 levels of nesting for BSON documents. Each object or array adds
 * a level" (MongoDB Limits and Thresholds, Nested Depth for BSON Documents): the document is level 1.
 * The server's own check (maxBSONDepth, 200 by default, less 20) lets up to 180 through; the
 * webhook holds to the documented 100, so that the outcome does not depend on a server parameter.
 */
export const MAX_NESTING = 100;

/**
 * Records of at most this many bytes of UTF-8 text cannot make a document over MAX_DOCUMENT_BYTES,
 * so only larger ones are measured. The most BSON a byte of JSON text can become is 6.5 bytes: an
 * array element `0,` (2 bytes) is a type byte, a key of up to 7 digits and its NUL, and an int32
 * (13 bytes); a string or a name is never longer in BSON than in JSON, a wrapper never longer than
 * its text. 2 MiB of text is then at most 13 MiB of BSON, and the fields the webhook adds (`_id`,
 * `_akb`) are far below the 3 MiB left.
 */
export const SIZE_CHECK_FROM_BYTES = 2 * 1024 * 1024;

/**
 * Why the document a write stores is beyond MongoDB's limits, or undefined. Costs nothing for
 * records within both bounds (nearly all): only a record over SIZE_CHECK_FROM_BYTES is measured,
 * and only one nesting over MAX_NESTING (as the parser counts, an upper bound) is walked.
 */
export function documentLimitProblem(
  record: DocumentRecord,
  operation: WriteOperation,
  bson: BsonPort,
): Refusal | undefined {
  if (record.bytes <= SIZE_CHECK_FROM_BYTES && record.depth <= MAX_NESTING) return undefined;
  const written = writtenDocument(operation);
  if (written === undefined) return undefined;
  if (record.depth > MAX_NESTING) {
    const depth = written.update ? updateNesting(written.document) : nesting(written.document);
    if (depth > MAX_NESTING) {
      return refusal(
        "document_too_deep",
        `the ${written.update ? "update" : "document"} nests ${depth} levels deep; MongoDB holds ${MAX_NESTING}`,
      );
    }
  }
  if (record.bytes > SIZE_CHECK_FROM_BYTES) {
    const size = bsonSize(written.document, bson);
    if (size > MAX_DOCUMENT_BYTES) {
      return refusal(
        "document_too_large",
        `the ${written.update ? "update" : "document"} is ${size} bytes as BSON; MongoDB holds ${MAX_DOCUMENT_BYTES}`,
      );
    }
  }
  return undefined;
}

function writtenDocument(operation: WriteOperation): { document: Document; update: boolean } | undefined {
  if ("replaceOne" in operation) return { document: operation.replaceOne.replacement, update: false };
  if ("updateOne" in operation) return { document: operation.updateOne.update, update: true };
  if ("insertOne" in operation) return { document: operation.insertOne.document, update: false };
  return undefined;
}

/** Levels of nesting: 0 for a value that is neither an object nor an array, else 1 + its deepest value's. */
export function nesting(value: unknown): number {
  if (value === null || typeof value !== "object" || value instanceof Date) return 0;
  const type = (value as { _bsontype?: unknown })._bsontype;
  if (type === "Code") {
    // A code with scope pushes two levels: its scope's fields are two below the code's (DOCS-15222).
    const scope = (value as { scope?: unknown }).scope;
    return scope === null || scope === undefined ? 0 : 1 + nesting(scope);
  }
  if (typeof type === "string" && type !== "DBRef") return 0;
  let deepest = 0;
  const children = type === "DBRef" ? dbRefFields(value) : (value as Record<string, unknown>);
  for (const key of Object.keys(children)) {
    const below = nesting(children[key]);
    if (below > deepest) deepest = below;
  }
  return 1 + deepest;
}

/** The nesting of the document an update leaves: each `$set` path's depth plus its value's. */
function updateNesting(update: Document): number {
  let deepest = 1;
  const set = update.$set as Document | undefined;
  if (set) {
    for (const path of Object.keys(set)) {
      const depth = path.split(".").length + nesting(set[path]);
      if (depth > deepest) deepest = depth;
    }
  }
  return deepest;
}

/** The size in bytes of `document` as BSON, as the BSON specification (bsonspec.org) lays it out. */
export function bsonSize(document: object, bson: BsonPort): number {
  let size = 5; // int32 length, terminating NUL
  if (Array.isArray(document)) {
    for (let i = 0; i < document.length; i++) size += 2 + String(i).length + valueSize(document[i], bson);
    return size;
  }
  const fields = document as Record<string, unknown>;
  for (const key of Object.keys(fields)) size += 2 + utf8Length(key) + valueSize(fields[key], bson);
  return size;
}

function valueSize(value: unknown, bson: BsonPort): number {
  switch (typeof value) {
    case "string":
      return 5 + utf8Length(value);
    case "number":
      // The JavaScript encoders write an integer in the Int32 range as an Int32, any other number as a double.
      return isInteger(value) && value >= -2147483648 && value <= 2147483647 && 1 / value !== -Infinity ? 4 : 8;
    case "boolean":
      return 1;
    case "undefined":
      return 0;
  }
  if (value === null) return 0;
  if (value instanceof Date) return 8;
  const type = bson.bsonType(value);
  if (type === undefined) return bsonSize(value as object, bson);
  return bsonValueSize(value as Record<string, unknown>, type, bson);
}

function bsonValueSize(value: Record<string, unknown>, type: string, bson: BsonPort): number {
  switch (type) {
    case "ObjectId":
      return 12;
    case "Long":
    case "Timestamp":
    case "Double":
      return 8;
    case "Int32":
      return 4;
    case "Decimal128":
      return 16;
    case "MinKey":
    case "MaxKey":
      return 0;
    case "Binary": {
      const length = typeof value.position === "number" ? value.position : (value.buffer as Uint8Array).length;
      // Subtype 2 (the old binary) repeats its length inside.
      return 5 + (value.sub_type === 2 ? 4 : 0) + length;
    }
    case "BSONRegExp":
      return utf8Length(String(value.pattern)) + utf8Length(String(value.options)) + 2;
    case "BSONSymbol":
      return 5 + utf8Length(String(value.value));
    case "Code": {
      const code = 5 + utf8Length(String(value.code));
      return value.scope === null || value.scope === undefined
        ? code
        : 4 + code + bsonSize(value.scope as object, bson);
    }
    case "DBRef":
      return bsonSize(dbRefFields(value), bson);
  }
  // The parser makes no other type; one that gets here is a defect, not a record's fault.
  throw new Error(`no BSON size known for ${type}`);
}

/** A DBRef as the document it is written as: $ref, $id, $db, then its other fields. */
function dbRefFields(value: object): Record<string, unknown> {
  const ref = value as { collection?: unknown; oid?: unknown; db?: unknown; fields?: Record<string, unknown> };
  const out: Record<string, unknown> = { $ref: ref.collection, $id: ref.oid };
  if (typeof ref.db === "string" && ref.db !== "") out.$db = ref.db;
  const fields = ref.fields || {};
  for (const key of Object.keys(fields)) out[key] = fields[key];
  return out;
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

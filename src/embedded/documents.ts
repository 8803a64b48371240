import { BSON, Double, Int32, type DeserializeOptions } from "bson";
import { MongoErrorCode } from "../core/mongo-error-codes";
import type { Document } from "../core/ports";
import { nodeBson } from "../adapters/bson/node-bson";
import { EmbeddedWriteError } from "./errors";
import { isInt32Number, isDocument, typeName } from "./values";

/*
 * How documents are kept and what may be kept: each document's BSON bytes (types exact) and, once a
 * query needs it, a view decoded with its exact types. The limits are the server's
 * (https://www.mongodb.com/docs/manual/reference/limits/): 16 MiB per document, 100 levels of nesting,
 * and an `_id` that is not an array, a regular expression or undefined and has no `$`-prefixed field.
 */

export interface Stored {
  readonly bytes: Uint8Array;
  /** The `_id` with its exact BSON type. */
  readonly id: unknown;
  /** The exactly-typed document, decoded when first needed. */
  view?: Document;
}

export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;
/** What the server accepts in one command's document (16 MiB plus 16 KiB of command overhead). */
export const MAX_COMMAND_BYTES = MAX_DOCUMENT_BYTES + 16 * 1024;
export const MAX_NESTING = 100;

/** Undefined values are written as null, as the driver writes them (its `ignoreUndefined` is off). */
const SERIALIZE = { ignoreUndefined: false } as const;
const EXACT: DeserializeOptions = { promoteValues: false, bsonRegExp: true };

export function serialize(document: Document): Uint8Array {
  return BSON.serialize(document, SERIALIZE);
}

export function encode(document: Document, bytes: Uint8Array = serialize(document)): Stored {
  return { bytes, id: exactValue(document._id) };
}

export function decode(bytes: Uint8Array, options?: DeserializeOptions): Document {
  return BSON.deserialize(bytes, options);
}

/**
 * Documents in change events keep their exact BSON types (Int32, Double, Long wrappers), so a
 * whole-number double stays a double on its way to Kinesis, as a lossless host must deliver it.
 */
export function decodeExact(bytes: Uint8Array): Document {
  return BSON.deserialize(bytes, { promoteValues: false });
}

/** The exactly-typed document queries and sorts read (decoded once, then kept). */
export function viewOf(stored: Stored): Document {
  if (!stored.view) stored.view = BSON.deserialize(stored.bytes, EXACT);
  return stored.view;
}

/** A value with the BSON types it is stored with (a plain number becomes an Int32 or a Double). */
export function exactValue(value: unknown): unknown {
  if (typeof value === "number") return isInt32Number(value) ? new Int32(value) : new Double(value);
  if (value === null || typeof value !== "object" || nodeBson.bsonType(value) !== undefined || value instanceof Date)
    return value;
  return BSON.deserialize(BSON.serialize({ v: value }, SERIALIZE), EXACT).v;
}

/** A document with `_id` as its first field, as the server stores every document. */
export function idFirst(document: Document): Document {
  for (const key in document) return key === "_id" ? document : { _id: document._id, ...document };
  return document;
}

/** The checks of an `_id` value (insert and update alike). */
export function checkId(id: unknown): void {
  if (Array.isArray(id) || id instanceof RegExp || nodeBson.bsonType(id) === "BSONRegExp" || id === undefined)
    throw new EmbeddedWriteError(
      MongoErrorCode.InvalidIdField,
      `The '_id' value cannot be of type ${id === undefined ? "undefined" : typeName(id)}`,
    );
  if (isDocument(id)) {
    for (const key of Object.keys(id)) {
      if (key.charCodeAt(0) === 36 && key !== "$ref" && key !== "$id" && key !== "$db")
        throw new EmbeddedWriteError(
          MongoErrorCode.DollarPrefixedFieldName,
          `_id fields may not contain '$'-prefixed fields: ${key} is not valid for storage.`,
        );
    }
  }
}

/** Throws Overflow when a document nests more than 100 levels (a field inside 100 documents or arrays). */
export function checkNesting(document: Document, inserting: boolean): void {
  if (nestingOver(document, 1))
    throw new EmbeddedWriteError(
      MongoErrorCode.Overflow,
      inserting
        ? `cannot insert document because it exceeds ${MAX_NESTING} levels of nesting`
        : `Document exceeds maximum nesting depth of ${MAX_NESTING}`,
    );
}

/** Whether any field below `value` (whose own fields are at `level`) lies deeper than the limit. */
function nestingOver(value: unknown, level: number): boolean {
  const items = Array.isArray(value) ? value : Object.values(value as Document);
  if (items.length > 0 && level > MAX_NESTING) return true;
  for (const item of items) {
    if (
      item !== null &&
      typeof item === "object" &&
      (Array.isArray(item) || isDocument(item)) &&
      nestingOver(item, level + 1)
    )
      return true;
  }
  return false;
}

/** A replacement's top-level fields may not be operators (a `$`-prefixed name other than a DBRef's). */
export function checkReplacement(replacement: Document): void {
  for (const key of Object.keys(replacement)) {
    if (key.charCodeAt(0) === 36 && key !== "$ref" && key !== "$id" && key !== "$db")
      throw new EmbeddedWriteError(
        MongoErrorCode.DollarPrefixedFieldName,
        `The dollar ($) prefixed field '${key}' in '${key}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`,
      );
  }
}

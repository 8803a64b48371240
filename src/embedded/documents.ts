import { BSON, type DeserializeOptions } from "bson";
import { update as applyUpdate } from "mingo";
import { MongoErrorCode } from "../core/mongo-error-codes";
import type { Document } from "../core/ports";
import { nodeBson } from "../adapters/bson/node-bson";
import { EmbeddedWriteError } from "./errors";

/** How a document is kept: its BSON bytes (types exact) and a decoded view for queries. */
export interface Stored {
  bytes: Uint8Array;
  view: Document;
}

export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

export function encode(document: Document): Stored {
  const bytes = BSON.serialize(document);
  return { bytes, view: BSON.deserialize(bytes) };
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

export function checkStorable(document: Document): void {
  const id = document._id;
  if (Array.isArray(id) || id === undefined || id instanceof RegExp || nodeBson.bsonType(id) === "BSONRegExp") {
    throw new EmbeddedWriteError(MongoErrorCode.BadValue, "_id cannot be an array, a regular expression or undefined");
  }
  if (BSON.calculateObjectSize(document) > MAX_DOCUMENT_BYTES) {
    throw new EmbeddedWriteError(MongoErrorCode.BSONObjectTooLarge, "document is larger than the 16 MiB BSON limit");
  }
}

/** The values of an `{$in: [...]}` condition on _id whose values are all plain equality values. */
export function idInList(condition: unknown): unknown[] | undefined {
  if (condition === null || typeof condition !== "object" || nodeBson.bsonType(condition) !== undefined)
    return undefined;
  const keys = Object.keys(condition);
  if (keys.length !== 1 || keys[0] !== "$in") return undefined;
  const list = (condition as { $in: unknown }).$in;
  if (
    !Array.isArray(list) ||
    !list.every(
      (value) => isEqualityValue(value) && !(value instanceof RegExp) && nodeBson.bsonType(value) !== "BSONRegExp",
    )
  )
    return undefined;
  return list;
}

export function isEqualityValue(value: unknown): boolean {
  if (value === null || typeof value !== "object") return true;
  if (nodeBson.bsonType(value) !== undefined || value instanceof Date) return true;
  return !Object.keys(value).some((key) => key.charCodeAt(0) === 36);
}

/** The fields an upsert copies from its filter: top-level equalities, as MongoDB does. */
export function equalityFields(filter: Document): Document {
  const out: Document = {};
  for (const [key, value] of Object.entries(filter)) {
    if (key.charCodeAt(0) === 36 || key.includes(".")) continue;
    if (isEqualityValue(value)) out[key] = value;
    else if (value && typeof value === "object" && "$eq" in value) out[key] = (value as Document).$eq;
  }
  return out;
}

export function runUpdate(document: Document, update: Document, inserting: boolean): string[] {
  const { $setOnInsert, ...rest } = update as Document & { $setOnInsert?: Document };
  const changed = Object.keys(rest).length > 0 ? applyUpdate(document, rest) : [];
  if (inserting && $setOnInsert) changed.push(...applyUpdate(document, { $set: $setOnInsert }));
  return changed;
}

/** Sets (or, for undefined, removes) the value at a dotted path, creating documents on the way. */
export function writePath(document: Document, path: string, value: unknown): void {
  const parts = path.split(".");
  let node: Document = document;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = node[parts[i]];
    if (next === null || typeof next !== "object") {
      if (value === undefined) return;
      node[parts[i]] = {};
    }
    node = node[parts[i]] as Document;
  }
  const last = parts[parts.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
}

export function readPath(document: Document, path: string): unknown {
  let value: unknown = document;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Document)[part];
  }
  return value;
}

import { BSON, type DeserializeOptions } from "bson";
import { update as mingoUpdate } from "mingo";
import * as updateOperators from "mingo/operators/update";
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

type UpdateOperator = (expression: Document) => (document: Document) => string[];
const OPERATORS = updateOperators as unknown as Record<string, UpdateOperator | undefined>;

/**
 * Applies update operators as mingo's `update` does, and returns the changed paths (sorted). mingo's
 * `update` copies its operator tables on every call (in a delivery of change events that was 90 of
 * the 220 MB a run allocated, and nearly half its time), so each operator is called directly, with
 * the options mingo's operators keep for themselves. What `update` checks across operators
 * (conflicting paths, `$rename`'s targets, positional paths) goes to `update` itself, which decides
 * it as before. A property test holds the two equal (test/unit/embedded/update.property.test.ts).
 */
export function applyUpdate(document: Document, update: Document): string[] {
  const names = Object.keys(update);
  if (!operatorsAlone(update, names)) return mingoUpdate(document, update);
  const changed: string[] = [];
  for (const name of names) {
    const paths = (OPERATORS[name] as UpdateOperator)(update[name] as Document)(document);
    for (const path of paths) changed.push(path);
  }
  return changed.sort();
}

/** Whether each operator can run on its own: a known one other than $rename, on plain paths, none overlapping another. */
function operatorsAlone(update: Document, names: readonly string[]): boolean {
  const paths = new Set<string>();
  for (const name of names) {
    if (name === "$rename" || OPERATORS[name] === undefined) return false;
    const expression = update[name];
    if (expression === null || typeof expression !== "object" || Array.isArray(expression)) return false;
    for (const path of Object.keys(expression)) {
      if (path.indexOf("$") !== -1 || paths.has(path)) return false;
      paths.add(path);
    }
  }
  if (names.length < 2) return true;
  for (const path of paths) {
    for (let dot = path.indexOf("."); dot !== -1; dot = path.indexOf(".", dot + 1))
      if (paths.has(path.slice(0, dot))) return false;
  }
  return true;
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

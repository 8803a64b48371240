import { binaryParts, objectIdHex, regexParts } from "../core/bson-order";
import type { Document } from "../core/ports";
import { nodeBson } from "../adapters/bson/node-bson";

/*
 * What the embedded store needs to know about single BSON values: their exact BSON type (the `$type`
 * codes), whether two are the same bytes, and which are documents. Stored documents are read with
 * `promoteValues: false`, so every number in them is an Int32, Double, Long or Decimal128 wrapper;
 * a plain JavaScript number (in a filter or an update) has the type the driver would send it as.
 */

/** BSON type codes, as `$type` numbers them (https://www.mongodb.com/docs/manual/reference/bson-types/). */
export const BSON_TYPE = {
  double: 1,
  string: 2,
  object: 3,
  array: 4,
  binData: 5,
  undefined: 6,
  objectId: 7,
  bool: 8,
  date: 9,
  null: 10,
  regex: 11,
  dbPointer: 12,
  javascript: 13,
  symbol: 14,
  javascriptWithScope: 15,
  int: 16,
  timestamp: 17,
  long: 18,
  decimal: 19,
  minKey: -1,
  maxKey: 127,
} as const;

const TYPE_OF_TAG: Readonly<Record<string, number>> = {
  Int32: BSON_TYPE.int,
  Double: BSON_TYPE.double,
  Long: BSON_TYPE.long,
  Decimal128: BSON_TYPE.decimal,
  ObjectId: BSON_TYPE.objectId,
  BSONSymbol: BSON_TYPE.symbol,
  Binary: BSON_TYPE.binData,
  Timestamp: BSON_TYPE.timestamp,
  MinKey: BSON_TYPE.minKey,
  MaxKey: BSON_TYPE.maxKey,
  BSONRegExp: BSON_TYPE.regex,
  DBRef: BSON_TYPE.object,
};

/** Whether a plain number goes over the wire as an Int32 (the driver's rule; otherwise a Double). */
export function isInt32Number(n: number): boolean {
  return (n | 0) === n && !(n === 0 && 1 / n < 0);
}

/** The BSON type code a value is stored with. */
export function bsonTypeCode(value: unknown): number {
  if (value === null) return BSON_TYPE.null;
  if (value === undefined) return BSON_TYPE.undefined;
  switch (typeof value) {
    case "number":
      return isInt32Number(value) ? BSON_TYPE.int : BSON_TYPE.double;
    case "string":
      return BSON_TYPE.string;
    case "boolean":
      return BSON_TYPE.bool;
    case "bigint":
      return BSON_TYPE.long;
    default:
      break;
  }
  const tag = nodeBson.bsonType(value);
  if (tag !== undefined) {
    if (tag === "Code")
      return (value as { scope?: unknown }).scope ? BSON_TYPE.javascriptWithScope : BSON_TYPE.javascript;
    return TYPE_OF_TAG[tag] ?? BSON_TYPE.object;
  }
  if (Array.isArray(value)) return BSON_TYPE.array;
  if (value instanceof Date) return BSON_TYPE.date;
  if (value instanceof RegExp) return BSON_TYPE.regex;
  if (value instanceof Uint8Array) return BSON_TYPE.binData;
  return BSON_TYPE.object;
}

/** The `$type` aliases and what each selects ("number" selects every numeric type). */
export const TYPE_ALIASES: Readonly<Record<string, readonly number[]>> = {
  double: [BSON_TYPE.double],
  string: [BSON_TYPE.string],
  object: [BSON_TYPE.object],
  array: [BSON_TYPE.array],
  binData: [BSON_TYPE.binData],
  undefined: [BSON_TYPE.undefined],
  objectId: [BSON_TYPE.objectId],
  bool: [BSON_TYPE.bool],
  date: [BSON_TYPE.date],
  null: [BSON_TYPE.null],
  regex: [BSON_TYPE.regex],
  dbPointer: [BSON_TYPE.dbPointer],
  javascript: [BSON_TYPE.javascript],
  symbol: [BSON_TYPE.symbol],
  javascriptWithScope: [BSON_TYPE.javascriptWithScope],
  int: [BSON_TYPE.int],
  timestamp: [BSON_TYPE.timestamp],
  long: [BSON_TYPE.long],
  decimal: [BSON_TYPE.decimal],
  minKey: [BSON_TYPE.minKey],
  maxKey: [BSON_TYPE.maxKey],
  number: [BSON_TYPE.double, BSON_TYPE.int, BSON_TYPE.long, BSON_TYPE.decimal],
};

/** The type name MongoDB's messages use for a value ("int", "string", "object", ...). */
export function typeName(value: unknown): string {
  const code = bsonTypeCode(value);
  for (const name of Object.keys(TYPE_ALIASES)) {
    const codes = TYPE_ALIASES[name];
    if (codes.length === 1 && codes[0] === code) return name;
  }
  return "unknown";
}

/** A document of fields: a plain object (or DBRef), not an array, a Date or another BSON value. */
export function isDocument(value: unknown): value is Document {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  if (value instanceof Date || value instanceof RegExp || value instanceof Uint8Array) return false;
  const tag = nodeBson.bsonType(value);
  return tag === undefined;
}

/** A number of any BSON numeric type (or a plain number). */
export function isNumeric(value: unknown): boolean {
  const code = bsonTypeCode(value);
  return code === BSON_TYPE.int || code === BSON_TYPE.long || code === BSON_TYPE.double || code === BSON_TYPE.decimal;
}

/**
 * Whether two values are the same BSON bytes: the same type and the same value (MongoDB's test for
 * a `$set` that changes nothing). Int32 1 and Double 1.0 are equal values but not the same.
 */
export function sameBson(a: unknown, b: unknown): boolean {
  if (a === b) return typeof a !== "number" || isInt32Number(a) === isInt32Number(b as number);
  const type = bsonTypeCode(a);
  if (type !== bsonTypeCode(b)) return false;
  switch (type) {
    case BSON_TYPE.int:
    case BSON_TYPE.double:
      return Object.is(numberValue(a), numberValue(b));
    case BSON_TYPE.long:
    case BSON_TYPE.timestamp: {
      const x = a as { high: number; low: number };
      const y = b as { high: number; low: number };
      return x.high === y.high && x.low === y.low;
    }
    case BSON_TYPE.decimal:
      return sameBytes((a as { bytes: Uint8Array }).bytes, (b as { bytes: Uint8Array }).bytes);
    case BSON_TYPE.string:
    case BSON_TYPE.bool:
      return a === b;
    case BSON_TYPE.symbol:
      return String((a as { valueOf(): unknown }).valueOf()) === String((b as { valueOf(): unknown }).valueOf());
    case BSON_TYPE.date:
      return Object.is((a as Date).getTime(), (b as Date).getTime());
    case BSON_TYPE.objectId:
      return objectIdHex(a) === objectIdHex(b);
    case BSON_TYPE.binData: {
      const x = binaryParts(a, nodeBson);
      const y = binaryParts(b, nodeBson);
      return (
        x.subtype === y.subtype &&
        x.length === y.length &&
        sameBytes(x.bytes.subarray(0, x.length), y.bytes.subarray(0, y.length))
      );
    }
    case BSON_TYPE.regex: {
      const x = regexParts(a);
      const y = regexParts(b);
      return x.pattern === y.pattern && x.options === y.options;
    }
    case BSON_TYPE.javascript:
    case BSON_TYPE.javascriptWithScope: {
      const x = a as { code: unknown; scope?: unknown };
      const y = b as { code: unknown; scope?: unknown };
      return String(x.code) === String(y.code) && (type === BSON_TYPE.javascript || sameBson(x.scope, y.scope));
    }
    case BSON_TYPE.array: {
      const x = a as unknown[];
      const y = b as unknown[];
      return x.length === y.length && x.every((item, i) => sameBson(item, y[i]));
    }
    case BSON_TYPE.object:
      return sameFields(a, b);
    default:
      return true; // null, undefined, MinKey, MaxKey
  }
}

function sameFields(a: unknown, b: unknown): boolean {
  const x = fieldEntries(a);
  const y = fieldEntries(b);
  return x.length === y.length && x.every(([name, value], i) => name === y[i][0] && sameBson(value, y[i][1]));
}

/** A document's fields in order, a DBRef's as it is stored ({$ref, $id, $db?, ...}). */
export function fieldEntries(value: unknown): [string, unknown][] {
  if (nodeBson.bsonType(value) === "DBRef") {
    const ref = value as { collection: string; oid: unknown; db?: string; fields?: Document };
    const out: [string, unknown][] = [
      ["$ref", ref.collection],
      ["$id", ref.oid],
    ];
    if (ref.db) out.push(["$db", ref.db]);
    for (const key of Object.keys(ref.fields || {})) out.push([key, (ref.fields as Document)[key]]);
    return out;
  }
  const record = value as Document;
  return Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .map((key) => [key, record[key]] as [string, unknown]);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A plain number, Int32 or Double as a number. */
export function numberValue(value: unknown): number {
  return typeof value === "number" ? value : (value as { valueOf(): number }).valueOf();
}

import type { BsonPort } from "../bson-port";
import { RecordProblem } from "./record-problems";
import {
  DATE_LIMIT_MS,
  decodeSmallBase64,
  doubleValue,
  int32Value,
  isDecimal128Text,
  isInt64Text,
  isoDateMillis,
  regexOptions,
  shortIntegerValue,
  isBase64Alphabet,
  strictBase64Length,
  subTypeValue,
  uuidBytes,
  vectorProblem,
} from "./text-formats";

/*
 * Each type wrapper of the Extended JSON specification (mongodb/specifications,
 * source/extended-json/extended-json.md, "Conversion table" and "Parsers"), read from the object
 * JSON.parse made of it: exactly its keys, each value of its type and in its format and range, or a
 * RecordProblem saying which rule it breaks. What the specification's valid forms mean, nothing else.
 */

/** The keys that make an object a type wrapper; an object holding any of them must be exactly one. */
export const WRAPPER_KEYS: ReadonlySet<string> = new Set([
  "$oid",
  "$symbol",
  "$numberInt",
  "$numberLong",
  "$numberDouble",
  "$numberDecimal",
  "$binary",
  "$code",
  "$scope",
  "$timestamp",
  "$regularExpression",
  "$dbPointer",
  "$date",
  "$minKey",
  "$maxKey",
  "$undefined",
  "$uuid",
]);

const OBJECT_ID = /^[0-9a-fA-F]{24}$/;

export function problem(at: object, rule: string): RecordProblem {
  return new RecordProblem(at, "extended_json_invalid", rule);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** An inner object with exactly these keys (in any order), or the problem naming the wrapper. */
export function exactKeys(
  value: unknown,
  keys: readonly string[],
  wrapper: string,
  at: object,
): Record<string, unknown> {
  if (!isPlainObject(value)) throw problem(at, `${wrapper} is not an object with ${keys.join(" and ")}`);
  const present = Object.keys(value);
  if (present.length !== keys.length) throw problem(at, `${wrapper} must hold exactly ${keys.join(" and ")}`);
  for (let i = 0; i < keys.length; i++) {
    if (!(keys[i] in value)) throw problem(at, `${wrapper} must hold exactly ${keys.join(" and ")}`);
  }
  return value;
}

export function readObjectId(inner: unknown, at: object, bson: BsonPort): unknown {
  if (typeof inner !== "string" || !OBJECT_ID.test(inner)) throw problem(at, "$oid is not a string of 24 hex digits");
  return new bson.lib.ObjectId(inner);
}

export function readInt32(inner: unknown, at: object): number {
  const value = typeof inner === "string" ? int32Value(inner) : NaN;
  if (value !== value) throw problem(at, "$numberInt is not a decimal Int32 string (-2147483648 to 2147483647)");
  // `| 0` so that the value is an int32 to V8 too.
  return value | 0;
}

export function readInt64(inner: unknown, at: object, bson: BsonPort): unknown {
  if (typeof inner === "string") {
    // Up to 15 digits a JS number is exact, and fromNumber is ten times cheaper than fromString.
    const value = shortIntegerValue(inner);
    if (value === value) return bson.lib.Long.fromNumber(value);
    if (isInt64Text(inner)) return bson.lib.Long.fromString(inner);
  }
  throw problem(at, "$numberLong is not a decimal Int64 string (-9223372036854775808 to 9223372036854775807)");
}

export function readDouble(inner: unknown, at: object, bson: BsonPort): unknown {
  const value = typeof inner === "string" ? doubleValue(inner) : undefined;
  if (value === undefined)
    throw problem(at, '$numberDouble is not a decimal string of a double (or "Infinity", "-Infinity", "NaN")');
  return new bson.lib.Double(value);
}

export function readDate(inner: unknown, at: object): Date {
  let ms = NaN;
  if (typeof inner === "string") {
    ms = isoDateMillis(inner);
    if (ms !== ms) throw problem(at, "$date is not an RFC 3339 date-time (to the millisecond, with its zone)");
  } else if (isPlainObject(inner)) {
    const long = exactKeys(inner, ["$numberLong"], "$date", at).$numberLong;
    ms = typeof long === "string" ? shortIntegerValue(long) : NaN;
    if (ms !== ms) {
      if (typeof long !== "string" || !isInt64Text(long))
        throw problem(at, "$date.$numberLong is not a decimal Int64 string");
      // 16 digits or more: exact up to 2^53, beyond the range checked below either way.
      ms = Number(long);
    }
  } else {
    throw problem(at, "$date is neither an RFC 3339 string nor {$numberLong}");
  }
  if (!(ms >= -DATE_LIMIT_MS && ms <= DATE_LIMIT_MS))
    throw problem(at, "$date is outside the range a JavaScript Date holds (±8.64e15 ms), so it cannot be written");
  return new Date(ms === 0 ? 0 : ms);
}

export function readBinary(inner: unknown, at: object, bson: BsonPort): unknown {
  const fields = exactKeys(inner, ["base64", "subType"], "$binary", at);
  const { base64, subType } = fields;
  const length = typeof base64 === "string" ? strictBase64Length(base64) : -1;
  if (length < 0) throw problem(at, "$binary.base64 is not padded base64 of the standard alphabet");
  const type = typeof subType === "string" ? subTypeValue(subType) : -1;
  if (type < 0) throw problem(at, "$binary.subType is not one or two hex digits");
  const text = base64 as string;
  // A small text is checked digit by digit as it is decoded; a longer one first, then Node decodes it.
  const bytes = decodeSmallBase64(text, length) || (isBase64Alphabet(text) && Buffer.from(text, "base64"));
  if (!bytes) throw problem(at, "$binary.base64 is not padded base64 of the standard alphabet");
  if (type === 9) {
    const broken = vectorProblem(bytes);
    if (broken !== undefined) throw problem(at, broken);
  }
  return new bson.lib.Binary(bytes, type);
}

export function readUuid(inner: unknown, at: object, bson: BsonPort): unknown {
  const bytes = typeof inner === "string" ? uuidBytes(inner) : undefined;
  if (!bytes) throw problem(at, "$uuid is not a UUID (8-4-4-4-12 hex digits)");
  return new bson.lib.Binary(bytes, 4);
}

export function readTimestamp(inner: unknown, at: object, bson: BsonPort): unknown {
  const { t, i } = exactKeys(inner, ["t", "i"], "$timestamp", at);
  if (!isUint32(t) || !isUint32(i)) throw problem(at, "$timestamp.t and .i are not integers from 0 to 4294967295");
  if (!bson.lib.Timestamp) throw problem(at, "this host's BSON library has no Timestamp");
  return new bson.lib.Timestamp({ t, i });
}

export function readRegularExpression(inner: unknown, at: object, bson: BsonPort): unknown {
  const { pattern, options } = exactKeys(inner, ["pattern", "options"], "$regularExpression", at);
  if (typeof pattern !== "string" || pattern.indexOf("\0") !== -1)
    throw problem(at, "$regularExpression.pattern is not a string without NUL");
  const sorted = typeof options === "string" ? regexOptions(options) : undefined;
  if (sorted === undefined)
    throw problem(at, '$regularExpression.options is not a string of distinct letters from "ilmsux"');
  return new bson.lib.BSONRegExp(pattern, sorted);
}

export function readDecimal(inner: unknown, at: object, bson: BsonPort): unknown {
  if (typeof inner === "string") {
    const direct = decimalDirect(inner, bson.lib);
    if (direct !== undefined) return direct;
    if (isDecimal128Text(inner)) {
      try {
        // The library refuses what 34 digits cannot hold exactly (bson 5 and later).
        return bson.lib.Decimal128.fromString(inner);
      } catch {
        throw problem(at, "$numberDecimal is more than a Decimal128 holds exactly (34 digits, exponent -6176 to 6111)");
      }
    }
  }
  throw problem(at, "$numberDecimal is not a decimal string");
}

export function readKey(inner: unknown, at: object, wrapper: "$minKey" | "$maxKey", bson: BsonPort): unknown {
  if (inner !== 1) throw problem(at, `${wrapper} is not 1`);
  return wrapper === "$minKey" ? new bson.lib.MinKey() : new bson.lib.MaxKey();
}

/** `{"$undefined": true}`: BSON's deprecated undefined, which the JavaScript encoders write as null. */
export function readUndefined(inner: unknown, at: object): null {
  if (inner !== true) throw problem(at, "$undefined is not true");
  return null;
}

/**
 * `$symbol`, `$code` (with or without `$scope`) and `$dbPointer`, once checked: built by the host's
 * own Extended JSON reader from the wrapper's JSON, since App Services' BSON exposes no constructors
 * for these deprecated types. The reader is given only what this module has already checked.
 */
export function readWithLibrary(wrapper: Record<string, unknown>, bson: BsonPort): unknown {
  try {
    const parsed = bson.ejson.parse(`{"v":${JSON.stringify(wrapper)}}`, { relaxed: false }) as { v: unknown };
    return parsed.v;
  } catch {
    throw problem(wrapper, "this host's Extended JSON reader cannot build it");
  }
}

export function checkSymbol(inner: unknown, at: object): void {
  if (typeof inner !== "string") throw problem(at, "$symbol is not a string");
}

export function checkCode(object: Record<string, unknown>, keys: readonly string[]): void {
  if (typeof object.$code !== "string") throw problem(object, "$code is not a string");
  if (keys.length === 2 && !isPlainObject(object.$scope)) throw problem(object, "$scope is not a document");
}

export function checkDbPointer(inner: unknown, at: object): void {
  const { $ref, $id } = exactKeys(inner, ["$ref", "$id"], "$dbPointer", at);
  if (typeof $ref !== "string" || $ref === "") throw problem(at, "$dbPointer.$ref is not a namespace string");
  const id = isPlainObject($id) && Object.keys($id).length === 1 ? $id.$oid : undefined;
  if (typeof id !== "string" || !OBJECT_ID.test(id)) throw problem(at, "$dbPointer.$id is not an {$oid} ObjectId");
}

function isUint32(value: unknown): value is number {
  return typeof value === "number" && value >= 0 && value <= 0xffffffff && Math.floor(value) === value;
}

const DECIMAL_EXPONENT_BIAS = 6176;

/**
 * Decimal128.fromString costs about 4.5 us, the largest part of a typical record, so a plain decimal
 * of at most 15 digits ("-123.450") is encoded directly, IEEE 754-2008 BID: sign | 14-bit biased
 * exponent | coefficient (here < 2^53, so it sits in the low 64 bits), trailing zeros kept as the
 * library keeps them. Anything else (undefined) goes to the library. A property test holds the two equal.
 */
function decimalDirect(text: string, lib: BsonPort["lib"]): unknown {
  const length = text.length;
  const negative = length > 0 && text.charCodeAt(0) === 45; /* - */
  let coefficient = 0;
  let digits = 0;
  let fractionDigits = -1; // -1 until the decimal point is seen
  for (let i = negative ? 1 : 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code === 46 /* . */ && fractionDigits === -1 && digits > 0) {
      fractionDigits = 0;
      continue;
    }
    const digit = code - 48;
    if (digit < 0 || digit > 9 || ++digits > 15) return undefined;
    coefficient = coefficient * 10 + digit;
    if (fractionDigits !== -1) fractionDigits++;
  }
  if (digits === 0 || fractionDigits === 0) return undefined;
  const exponent = fractionDigits === -1 ? 0 : -fractionDigits;
  // Buffer.alloc, not allocUnsafe or Buffer.from: V8 keeps a small typed array's bytes inside the
  // object, while a slice of Node's shared pool is a view on a separate 8 KiB
  // buffer, and thousands of those surviving a young-generation collection made each collection
  // much slower.
  const bytes = Buffer.alloc(16);
  writeUint32LE(bytes, coefficient % 0x100000000, 0);
  writeUint32LE(bytes, Math.floor(coefficient / 0x100000000), 4);
  writeUint32LE(bytes, (negative ? 0x80000000 : 0) + (DECIMAL_EXPONENT_BIAS + exponent) * 0x20000, 12);
  return new lib.Decimal128(bytes);
}

/** Buffer#writeUInt32LE without its argument checks, for a value known to be a uint32. */
function writeUint32LE(bytes: Buffer, value: number, offset: number): void {
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
  bytes[offset + 2] = (value >>> 16) & 0xff;
  bytes[offset + 3] = (value >>> 24) & 0xff;
}

import type { BsonPort } from "./bson-port";
import { isInteger } from "./numbers";

/*
 * MongoDB's comparison and sort order of BSON values, as the manual's "Comparison/Sort Order" page
 * describes it (https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/): first by
 * type in the order MinKey < null < numbers < strings < objects < arrays < BinData < ObjectId <
 * booleans < dates < timestamps < regular expressions < DBPointer < JavaScript < JavaScript with scope
 * < MaxKey, then within a type. Numbers compare by their exact value whatever their BSON type (Int32,
 * Int64, Double, Decimal128; NaN below every other number and equal to itself), strings by their
 * UTF-8 bytes, documents field by field (the value's type, then the field name, then the value),
 * arrays element by element, BinData by length, then subtype, then bytes.
 *
 * One implementation for every user: the embedded store's `_id` index, its query matcher, sorts and
 * `$min`/`$max`, and the cores' snapshot reader. It runs inside App Services too (no BigInt: Int64
 * values are compared by their 32-bit halves, Decimal128 and doubles by exact decimal digits).
 */

/** The canonical type ranks (MongoDB's own numbers); types of one rank compare by value. */
export const TYPE_RANK = {
  minKey: -1,
  null: 5,
  number: 10,
  string: 15,
  object: 20,
  array: 25,
  binData: 30,
  objectId: 35,
  bool: 40,
  date: 45,
  timestamp: 47,
  regex: 50,
  dbPointer: 55,
  javascript: 60,
  javascriptWithScope: 65,
  maxKey: 127,
} as const;

const RANK_OF_TAG: Readonly<Record<string, number>> = {
  Int32: TYPE_RANK.number,
  Double: TYPE_RANK.number,
  Long: TYPE_RANK.number,
  Decimal128: TYPE_RANK.number,
  ObjectId: TYPE_RANK.objectId,
  BSONSymbol: TYPE_RANK.string,
  Symbol: TYPE_RANK.string,
  Binary: TYPE_RANK.binData,
  Timestamp: TYPE_RANK.timestamp,
  MinKey: TYPE_RANK.minKey,
  MaxKey: TYPE_RANK.maxKey,
  BSONRegExp: TYPE_RANK.regex,
  DBRef: TYPE_RANK.object,
  DBPointer: TYPE_RANK.dbPointer,
};

/** The canonical type rank of a value; a missing value (undefined) ranks as null, as MongoDB sorts it. */
export function typeRank(value: unknown, bson: BsonPort): number {
  if (value === null || value === undefined) return TYPE_RANK.null;
  const type = typeof value;
  if (type === "number" || type === "bigint") return TYPE_RANK.number; // a bigint: an Int64, as the driver writes one
  if (type === "string") return TYPE_RANK.string;
  if (type === "boolean") return TYPE_RANK.bool;
  if (type !== "object") return TYPE_RANK.null;
  const tag = bson.bsonType(value);
  if (tag !== undefined) {
    if (tag === "Code")
      return (value as { scope?: unknown }).scope ? TYPE_RANK.javascriptWithScope : TYPE_RANK.javascript;
    const rank = RANK_OF_TAG[tag];
    return rank === undefined ? TYPE_RANK.object : rank;
  }
  if (Array.isArray(value)) return TYPE_RANK.array;
  if (value instanceof Date) return TYPE_RANK.date;
  if (value instanceof RegExp) return TYPE_RANK.regex;
  if (value instanceof Uint8Array) return TYPE_RANK.binData;
  return TYPE_RANK.object;
}

/** Orders two BSON values as MongoDB does: negative, zero (equal) or positive. */
export function compareBson(a: unknown, b: unknown, bson: BsonPort): number {
  const ra = typeRank(a, bson);
  return cmp(ra, typeRank(b, bson)) || compareSameRank(ra, a, b, bson);
}

function compareSameRank(rank: number, a: unknown, b: unknown, bson: BsonPort): number {
  switch (rank) {
    case TYPE_RANK.number:
      return compareNumbers(a, b, bson);
    case TYPE_RANK.string:
      return compareStrings(stringOf(a), stringOf(b));
    case TYPE_RANK.object:
    case TYPE_RANK.dbPointer:
      return compareFields(fieldsOf(a, bson), fieldsOf(b, bson), bson);
    case TYPE_RANK.array:
      return compareArrays(a as unknown[], b as unknown[], bson);
    case TYPE_RANK.binData:
      return compareBinary(a, b, bson);
    case TYPE_RANK.objectId:
      return compareObjectIds(a, b);
    case TYPE_RANK.bool:
      return a === b ? 0 : a ? 1 : -1;
    case TYPE_RANK.date: {
      const d = (a as Date).getTime() - (b as Date).getTime();
      return d < 0 ? -1 : d > 0 ? 1 : 0; // an invalid date's NaN equals every date, as it always has here
    }
    case TYPE_RANK.timestamp:
      return compareTimestamps(a as LongParts, b as LongParts);
    case TYPE_RANK.regex: {
      const x = regexParts(a);
      const y = regexParts(b);
      return compareStrings(x.pattern, y.pattern) || compareStrings(x.options, y.options);
    }
    case TYPE_RANK.javascript:
      return compareStrings(String((a as { code: unknown }).code), String((b as { code: unknown }).code));
    case TYPE_RANK.javascriptWithScope: {
      const x = a as { code: unknown; scope: unknown };
      const y = b as { code: unknown; scope: unknown };
      return compareStrings(String(x.code), String(y.code)) || compareBson(x.scope, y.scope, bson);
    }
    default:
      return 0; // null, MinKey, MaxKey: one value each
  }
}

/**
 * -1, 0 or 1 as x is below, equal to or above y, for numbers that are never NaN (ranks, lengths,
 * bytes, words). Equality is tested first: it is the common case of every step but the last. Numbers
 * only: strings through it too would make every comparison here a generic one (V8 keeps one type
 * feedback per function).
 */
function cmp(x: number, y: number): number {
  return x === y ? 0 : x < y ? -1 : 1;
}

// ---- strings ---------------------------------------------------------------------------------

function stringOf(value: unknown): string {
  return typeof value === "string" ? value : String((value as { valueOf(): unknown }).valueOf());
}

/**
 * Strings by their UTF-8 bytes (MongoDB's binary comparison without a collation), which is the order
 * of their code points, not of JavaScript's UTF-16 units (a character above U+FFFF sorts after
 * U+FFFF, where its first unit, a surrogate, sorts below U+E000).
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx === sy) return x < y ? -1 : 1;
    // A surrogate stands for a code point above U+FFFF: above every unit that is not one.
    return sx ? 1 : -1;
  }
  return cmp(a.length, b.length);
}

// ---- documents and arrays ------------------------------------------------------------------------

/** A document's fields in order; a DBRef is the document {$ref, $id, $db?, ...} it is stored as. */
function fieldsOf(value: unknown, bson: BsonPort): [string, unknown][] {
  if (bson.bsonType(value) === "DBRef") {
    const ref = value as { collection: string; oid: unknown; db?: string; fields?: Record<string, unknown> };
    const out: [string, unknown][] = [
      ["$ref", ref.collection],
      ["$id", ref.oid],
    ];
    if (ref.db) out.push(["$db", ref.db]);
    const extra = ref.fields || {};
    for (const key of Object.keys(extra)) out.push([key, extra[key]]);
    return out;
  }
  const record = value as Record<string, unknown>;
  const out: [string, unknown][] = [];
  for (const key of Object.keys(record)) if (record[key] !== undefined) out.push([key, record[key]]);
  return out;
}

/** Field by field: the value's type, then the field's name, then the value; a prefix sorts first. */
function compareFields(a: [string, unknown][], b: [string, unknown][], bson: BsonPort): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const ra = typeRank(a[i][1], bson);
    const c =
      cmp(ra, typeRank(b[i][1], bson)) ||
      compareStrings(a[i][0], b[i][0]) ||
      compareSameRank(ra, a[i][1], b[i][1], bson);
    if (c !== 0) return c;
  }
  return cmp(a.length, b.length);
}

function compareArrays(a: unknown[], b: unknown[], bson: BsonPort): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const c = compareBson(a[i], b[i], bson);
    if (c !== 0) return c;
  }
  return cmp(a.length, b.length);
}

// ---- binary, ObjectId, timestamps, regular expressions -----------------------------------------

interface BinaryParts {
  bytes: Uint8Array;
  length: number;
  subtype: number;
}

export function binaryParts(value: unknown, bson: BsonPort): BinaryParts {
  if (bson.bsonType(value) === "Binary") {
    const binary = value as { buffer: Uint8Array; position?: number; sub_type?: number };
    const length = typeof binary.position === "number" ? binary.position : binary.buffer.length;
    return { bytes: binary.buffer, length, subtype: binary.sub_type || 0 };
  }
  const bytes = value as Uint8Array;
  return { bytes, length: bytes.length, subtype: 0 };
}

/** BinData: by length, then subtype, then bytes (the manual's order). */
function compareBinary(a: unknown, b: unknown, bson: BsonPort): number {
  const x = binaryParts(a, bson);
  const y = binaryParts(b, bson);
  let c = cmp(x.length, y.length) || cmp(x.subtype, y.subtype);
  for (let i = 0; c === 0 && i < x.length; i++) c = cmp(x.bytes[i], y.bytes[i]);
  return c;
}

interface ObjectIdWords {
  i0?: unknown;
  i1: number;
  i2: number;
  i3: number;
}

/** An ObjectId's 12 bytes when the library exposes them (js-bson's `id`), else undefined. */
function objectIdBytes(value: unknown): Uint8Array | undefined {
  const id = (value as { id?: unknown }).id;
  return id instanceof Uint8Array && id.length === 12 ? id : undefined;
}

function compareObjectIds(a: unknown, b: unknown): number {
  const wa = a as ObjectIdWords;
  const wb = b as ObjectIdWords;
  // js-bson 7 keeps an ObjectId as four 24-bit words (its `id` getter copies the bytes out).
  if (typeof wa.i0 === "number" && typeof wb.i0 === "number")
    return cmp(wa.i0, wb.i0) || cmp(wa.i1, wb.i1) || cmp(wa.i2, wb.i2) || cmp(wa.i3, wb.i3);
  const x = objectIdBytes(a);
  const y = objectIdBytes(b);
  if (x && y) {
    let c = 0;
    for (let i = 0; c === 0 && i < 12; i++) c = cmp(x[i], y[i]);
    return c;
  }
  const hx = objectIdHex(a);
  const hy = objectIdHex(b);
  return hx < hy ? -1 : hx > hy ? 1 : 0;
}

export function objectIdHex(value: unknown): string {
  return (value as { toHexString(): string }).toHexString().toLowerCase();
}

interface LongParts {
  high: number;
  low: number;
}

/** A Timestamp: an unsigned 64-bit value (seconds, then increment). */
function compareTimestamps(a: LongParts, b: LongParts): number {
  return cmp(a.high >>> 0, b.high >>> 0) || cmp(a.low >>> 0, b.low >>> 0);
}

/** A regular expression's pattern and options as BSON stores them (options in alphabetical order). */
export function regexParts(value: unknown): { pattern: string; options: string } {
  if (value instanceof RegExp) {
    // js-bson stores a RegExp's flags as these options.
    const options = (value.ignoreCase ? "i" : "") + (value.multiline ? "m" : "") + (value.global ? "s" : "");
    return { pattern: value.source, options };
  }
  const regex = value as { pattern: string; options: string };
  return { pattern: regex.pattern, options: regex.options.split("").sort().join("") };
}

// ---- numbers ---------------------------------------------------------------------------------------

const TWO_32 = 4294967296;
const TWO_53 = 9007199254740992;
const TWO_63 = 9223372036854775808;

const KIND_DOUBLE = 1;
const KIND_LONG = 2;
const KIND_DECIMAL = 3;

/** 1 for a double-like number (number, Int32, Double), 2 for an Int64, 3 for a Decimal128, 0 otherwise. */
function numberKind(value: unknown, bson: BsonPort): number {
  if (typeof value === "number") return KIND_DOUBLE;
  // A bigint compares by its decimal digits (no BigInt arithmetic: this code runs in App Services too).
  if (typeof value === "bigint") return KIND_DECIMAL;
  const tag = bson.bsonType(value);
  if (tag === "Int32" || tag === "Double") return KIND_DOUBLE;
  if (tag === "Long") return KIND_LONG;
  if (tag === "Decimal128") return KIND_DECIMAL;
  return 0;
}

/** Whether a value is a number of any BSON type. */
export function isBsonNumber(value: unknown, bson: BsonPort): boolean {
  return numberKind(value, bson) !== 0;
}

function doubleOf(value: unknown): number {
  return typeof value === "number" ? value : (value as { valueOf(): number }).valueOf();
}

/** An Int64's value as a double (exact when its magnitude is at most 2^53). */
function longApprox(long: LongParts): number {
  return long.high * TWO_32 + (long.low >>> 0);
}

/** Two Int64s: the high halves signed, the low ones unsigned. */
function compareLongs(a: LongParts, b: LongParts): number {
  return cmp(a.high, b.high) || cmp(a.low >>> 0, b.low >>> 0);
}

function compareDoubles(x: number, y: number): number {
  if (x < y) return -1;
  if (x > y) return 1;
  if (x === y) return 0;
  // NaN sorts below every other number and equals itself.
  return x !== x ? (y !== y ? 0 : -1) : 1;
}

/** An integer double of magnitude below 2^63 as Int64 halves (exact). */
function longPartsOfInteger(d: number): LongParts {
  const high = Math.floor(d / TWO_32);
  return { high, low: d - high * TWO_32 };
}

/** MongoDB's exact comparison of an Int64 with a double (mongo's compareLongToDouble, in halves). */
function compareLongToDouble(long: LongParts, d: number): number {
  if (d !== d) return 1;
  const approx = longApprox(long);
  if (approx < TWO_53 && approx > -TWO_53) return compareDoubles(approx, d);
  if (d >= TWO_63) return -1;
  if (d < -TWO_63) return 1;
  // |long| > 2^53: a double of smaller magnitude orders as the approximation does; a larger one is an integer.
  if (d < TWO_53 && d > -TWO_53) return compareDoubles(approx, d);
  return compareLongs(long, longPartsOfInteger(d));
}

/** Orders two numbers of any BSON types by their exact values; NaN lowest. */
export function compareNumbers(a: unknown, b: unknown, bson: BsonPort): number {
  const ka = numberKind(a, bson);
  const kb = numberKind(b, bson);
  if (ka === KIND_DOUBLE && kb === KIND_DOUBLE) return compareDoubles(doubleOf(a), doubleOf(b));
  if (ka === KIND_LONG && kb === KIND_LONG) return compareLongs(a as LongParts, b as LongParts);
  if (ka === KIND_LONG && kb === KIND_DOUBLE) return compareLongToDouble(a as LongParts, doubleOf(b));
  if (ka === KIND_DOUBLE && kb === KIND_LONG) return 0 - compareLongToDouble(b as LongParts, doubleOf(a));
  return compareDecimals(exactOf(a, ka), exactOf(b, kb));
}

/** Whether a number (of any BSON type) is NaN. */
export function isNaNNumber(value: unknown, bson: BsonPort): boolean {
  const kind = numberKind(value, bson);
  if (kind === KIND_DOUBLE) {
    const d = doubleOf(value);
    return d !== d;
  }
  return kind === KIND_DECIMAL && String(value) === "NaN";
}

// ---- exact decimal values (for Decimal128) ----------------------------------------------------

/** A number's exact value: NaN, ±Infinity, or ±0.digits × 10^point (digits without leading or trailing zeros; "" for zero). */
export interface ExactNumber {
  readonly special?: "NaN" | "Infinity" | "-Infinity";
  readonly negative: boolean;
  readonly digits: string;
  /** The value is 0.digits × 10^point. */
  readonly point: number;
}

const ZERO: ExactNumber = { negative: false, digits: "", point: 0 };
const NAN: ExactNumber = { special: "NaN", negative: false, digits: "", point: 0 };
const INFINITY: ExactNumber = { special: "Infinity", negative: false, digits: "", point: 0 };
const NEGATIVE_INFINITY: ExactNumber = { special: "-Infinity", negative: true, digits: "", point: 0 };

function exactOf(value: unknown, kind: number): ExactNumber {
  if (kind === KIND_DOUBLE) return exactOfDouble(doubleOf(value));
  return exactOfDecimalString(String(value));
}

/** Parses a decimal string ("-1.25E+3", "0.001", "NaN", "-Infinity") into its exact value. */
export function exactOfDecimalString(text: string): ExactNumber {
  if (text === "NaN" || text === "-NaN") return NAN;
  if (text === "Infinity" || text === "+Infinity" || text === "Inf") return INFINITY;
  if (text === "-Infinity" || text === "-Inf") return NEGATIVE_INFINITY;
  let body = text;
  let negative = false;
  if (body.charAt(0) === "-" || body.charAt(0) === "+") {
    negative = body.charAt(0) === "-";
    body = body.slice(1);
  }
  let exponent = 0;
  const e = body.search(/[eE]/);
  if (e !== -1) {
    exponent = parseInt(body.slice(e + 1), 10);
    body = body.slice(0, e);
  }
  const dot = body.indexOf(".");
  let digits = body;
  let point = body.length;
  if (dot !== -1) {
    digits = body.slice(0, dot) + body.slice(dot + 1);
    point = dot;
  }
  return normalise(negative, digits, point + exponent);
}

function normalise(negative: boolean, digits: string, point: number): ExactNumber {
  let start = 0;
  while (start < digits.length && digits.charCodeAt(start) === 48) start++;
  let end = digits.length;
  while (end > start && digits.charCodeAt(end - 1) === 48) end--;
  if (start === end) return ZERO;
  return { negative, digits: digits.slice(start, end), point: point - start };
}

/** A double's exact decimal value (every finite double has one, up to 767 significant digits). */
export function exactOfDouble(d: number): ExactNumber {
  if (d !== d) return NAN;
  if (d === Infinity) return INFINITY;
  if (d === -Infinity) return NEGATIVE_INFINITY;
  if (d === 0) return ZERO;
  const negative = d < 0;
  const magnitude = negative ? -d : d;
  if (isInteger(magnitude) && magnitude <= TWO_53) {
    const text = String(magnitude);
    return normalise(negative, text, text.length);
  }
  const { mantissa, exponent } = binaryParts64(magnitude);
  // magnitude = mantissa × 2^exponent; for a negative exponent, mantissa × 5^-exponent × 10^exponent.
  const limbs = [mantissa % LIMB, Math.floor(mantissa / LIMB) % LIMB, Math.floor(mantissa / (LIMB * LIMB))];
  if (exponent >= 0) {
    multiplyByPower(limbs, 2, exponent);
    const text = limbsToString(limbs);
    return normalise(negative, text, text.length);
  }
  multiplyByPower(limbs, 5, -exponent);
  const text = limbsToString(limbs);
  return normalise(negative, text, text.length + exponent);
}

const LIMB = 10000000; // base 10^7: a limb times a factor below 2^21 stays below 2^53

/** A positive finite double as mantissa × 2^exponent (mantissa an integer below 2^53). */
function binaryParts64(d: number): { mantissa: number; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, d);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const fraction = (hi & 0xfffff) * TWO_32 + lo;
  if (biased === 0) return { mantissa: fraction, exponent: -1074 };
  return { mantissa: fraction + 4503599627370496, exponent: biased - 1075 };
}

/** limbs (little-endian, base 10^7) *= base^power, for base 2 or 5. */
function multiplyByPower(limbs: number[], base: 2 | 5, power: number): void {
  const step = base === 2 ? 20 : 9; // 2^20 and 5^9 are below 2^21
  let left = power;
  while (left > 0) {
    const now = left < step ? left : step;
    let factor = 1;
    for (let k = 0; k < now; k++) factor *= base;
    let carry = 0;
    for (let i = 0; i < limbs.length; i++) {
      const product = limbs[i] * factor + carry;
      carry = Math.floor(product / LIMB);
      limbs[i] = product - carry * LIMB;
    }
    while (carry > 0) {
      const next = Math.floor(carry / LIMB);
      limbs.push(carry - next * LIMB);
      carry = next;
    }
    left -= now;
  }
}

function limbsToString(limbs: number[]): string {
  let text = "";
  for (let i = limbs.length - 1; i >= 0; i--) {
    const part = String(limbs[i]);
    text += text === "" ? part : "0000000".slice(part.length) + part;
  }
  return text === "" ? "0" : text;
}

/** Orders two exact values; NaN lowest and equal to itself. */
export function compareDecimals(a: ExactNumber, b: ExactNumber): number {
  const sa = standing(a);
  const sb = standing(b);
  if (sa !== sb || (sa !== 1 && sa !== -1)) return cmp(sa, sb);
  // Two nonzero finite values of one sign: by magnitude (normalised digits compare as text at one point).
  const magnitude = cmp(a.point, b.point) || (a.digits < b.digits ? -1 : a.digits > b.digits ? 1 : 0);
  return sa < 0 ? 0 - magnitude : magnitude;
}

/** Where a value stands before its digits count: NaN -3, -Infinity -2, negative -1, zero 0, positive 1, Infinity 2. */
function standing(value: ExactNumber): number {
  if (value.special !== undefined) return value.special === "NaN" ? -3 : value.special === "Infinity" ? 2 : -2;
  return value.digits === "" ? 0 : value.negative ? -1 : 1;
}

// ---- keys: equal exactly when values compare equal ---------------------------------------------

/**
 * A string equal for two numbers exactly when they compare equal: the shortest decimal of the double
 * for values a double holds exactly (so Int32 1, Int64 1, Double 1.0 and Decimal128 "1.00" share
 * "1"), and "x" with the exact digits for the others (an Int64 beyond 2^53 no double holds,
 * Decimal128 "0.1").
 */
export function numberKey(value: unknown, bson: BsonPort): string {
  const kind = numberKind(value, bson);
  if (kind === KIND_DOUBLE) return String(doubleOf(value));
  if (kind === KIND_LONG) {
    const long = value as LongParts;
    const approx = longApprox(long);
    if (approx < TWO_53 && approx > -TWO_53) return String(approx);
    // The double nearest the Int64 names it when it is the Int64 exactly.
    if (approx < TWO_63 && approx >= -TWO_63 && compareLongs(long, longPartsOfInteger(approx)) === 0)
      return String(approx);
    return exactKey(exactOfDecimalString(String(value)));
  }
  const exact = exactOfDecimalString(String(value));
  if (exact.special !== undefined) return exact.special;
  if (exact.digits === "") return "0";
  const nearest = parseFloat(String(value));
  if (nearest !== 0 && isFinite(nearest) && compareDecimals(exact, exactOfDouble(nearest)) === 0)
    return String(nearest);
  return exactKey(exact);
}

function exactKey(exact: ExactNumber): string {
  return `x${exact.negative ? "-" : ""}0.${exact.digits}e${exact.point}`;
}

/** A string equal for two BSON values exactly when MongoDB compares them equal (sets, unique keys). */
export function valueKey(value: unknown, bson: BsonPort): string {
  const rank = typeRank(value, bson);
  switch (rank) {
    case TYPE_RANK.null:
      return "N";
    case TYPE_RANK.number:
      return "n" + numberKey(value, bson);
    case TYPE_RANK.string:
      return "s" + JSON.stringify(stringOf(value));
    case TYPE_RANK.object:
    case TYPE_RANK.dbPointer: {
      const parts = fieldsOf(value, bson).map(([name, field]) => JSON.stringify(name) + ":" + valueKey(field, bson));
      return "{" + parts.join(",") + "}";
    }
    case TYPE_RANK.array:
      return "[" + (value as unknown[]).map((item) => valueKey(item, bson)).join(",") + "]";
    case TYPE_RANK.binData: {
      const { bytes, length, subtype } = binaryParts(value, bson);
      let hex = "";
      for (let i = 0; i < length; i++) hex += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
      return `b${subtype}:${hex}`;
    }
    case TYPE_RANK.objectId:
      return "o" + objectIdHex(value);
    case TYPE_RANK.bool:
      return value ? "t" : "f";
    case TYPE_RANK.date:
      return "d" + (value as Date).getTime();
    case TYPE_RANK.timestamp: {
      const parts = value as LongParts;
      return `T${parts.high >>> 0},${parts.low >>> 0}`;
    }
    case TYPE_RANK.regex: {
      const { pattern, options } = regexParts(value);
      return "r" + JSON.stringify(pattern) + JSON.stringify(options);
    }
    case TYPE_RANK.javascript:
      return "c" + JSON.stringify(String((value as { code: unknown }).code));
    case TYPE_RANK.javascriptWithScope: {
      const code = value as { code: unknown; scope: unknown };
      return "C" + JSON.stringify(String(code.code)) + valueKey(code.scope, bson);
    }
    default:
      return rank === TYPE_RANK.minKey ? "-" : "+";
  }
}

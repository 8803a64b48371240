import type { BsonPort } from "../bson-port";
import { BridgeError } from "../errors";
import { isInteger, isNotANumber } from "../numbers";

/**
 * Parses one record as canonical (or relaxed) Extended JSON v2 into BSON values, losslessly:
 * the result serialises to the same BSON as `EJSON.parse(text, { relaxed: false })`, except that an
 * integer written with all its digits beyond 2^53 keeps them (see exactIntegerText).
 *
 * Why not call `EJSON.parse` directly: it costs several times `JSON.parse` (docs/benchmarks.md#2026-11-29-firehose-webhook), more
 * than the webhook's whole budget. So `JSON.parse` runs first and a walker revives the common wrappers ($oid, $date,
 * $numberLong/Int/Double/Decimal, $binary, $timestamp, $regularExpression, $minKey/$maxKey) in
 * place. Anything it does not recognise exactly sends the whole text to the library, so the two
 * paths can only differ in speed. A property test holds them equal.
 *
 * Relaxed Extended JSON (and basicJson) writes an Int64 as a bare number with all its digits, as the
 * Go and Java writers do, and `JSON.parse` rounds one beyond 2^53 to the nearest double: a snowflake
 * `_id` would land under another key. The walker sees every number, so a record holding one that
 * large is read again from a text in which each such integer is wrapped as `$numberLong`; records
 * without one (nearly all) pay one comparison per integer beyond int32.
 */
export function parseExtendedJson(text: string, bson: BsonPort): unknown {
  const plain: unknown = JSON.parse(text);
  // A NUL can only reach a field name through a \u0000 escape; without one, no key needs checking.
  const checkKeys = text.indexOf("\\u0000") !== -1;
  try {
    return revive(plain, bson, checkKeys, false);
  } catch (error) {
    if (error === NEEDS_EXACT_INTEGERS) return parseExactly(exactIntegerText(text), bson, checkKeys);
    if (error !== NEEDS_LIBRARY) throw error;
    // The walker stopped before it saw every number, so the library too reads the exact text.
    return parseWithLibrary(exactIntegerText(text), bson);
  }
}

/** The second reading, of a text whose long integers are wrapped: nothing in it can be rounded any more. */
function parseExactly(text: string, bson: BsonPort, checkKeys: boolean): unknown {
  try {
    return revive(JSON.parse(text), bson, checkKeys, true);
  } catch (error) {
    if (error !== NEEDS_LIBRARY) throw error;
    return parseWithLibrary(text, bson);
  }
}

function parseWithLibrary(text: string, bson: BsonPort): unknown {
  const parsed: unknown = bson.ejson.parse(text, { relaxed: false });
  checkFieldNames(parsed, bson);
  return parsed;
}

/** BSON cannot store a field name with a NUL byte; such a record must fail alone, not its batch. */
function invalidFieldName(): BridgeError {
  return new BridgeError("field_name_nul");
}

function checkFieldNames(value: unknown, bson: BsonPort): void {
  if (value === null || typeof value !== "object" || bson.bsonType(value) !== undefined || value instanceof Date)
    return;
  if (Array.isArray(value)) {
    for (const item of value) checkFieldNames(item, bson);
    return;
  }
  for (const key of Object.keys(value)) {
    if (key.indexOf("\0") !== -1) throw invalidFieldName();
    checkFieldNames((value as Record<string, unknown>)[key], bson);
  }
}

const NEEDS_LIBRARY = { reason: "shape outside the fast path" };
const NEEDS_EXACT_INTEGERS = { reason: "an integer JSON.parse may have rounded" };
// 2^53: from here on, not every integer is a double, so JSON.parse may have rounded the digits.
const EXACT_LIMIT = 9007199254740992;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
// Integers in this range become Int64 (as the library does); beyond it they stay doubles.
const INT64_LIMIT = 9223372036854775807;
const OBJECT_ID = /^[0-9a-fA-F]{24}$/;
// A $numberInt text short enough for Number() to be exact; its range is checked after.
const DIGITS = /^-?\d{1,18}$/;
const INT64_DIGITS = /^-?\d{1,19}$/;
// A run of digits long enough to be an integer JSON.parse may round (anywhere: checked properly after).
const LONG_DIGIT_RUN = /\d{16}/;
// Plain decimal notation, where Number() and the library's parseFloat() agree.
const DECIMAL_FLOAT = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** `exact`: the text's long integers are already wrapped, so a large number left is a double as written. */
function revive(value: unknown, bson: BsonPort, checkKeys: boolean, exact: boolean): unknown {
  if (typeof value === "number") return reviveNumber(value, bson, exact);
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (typeof item === "object" || typeof item === "number") {
        const revived = revive(item, bson, checkKeys, exact);
        if (revived !== item) value[i] = revived;
      }
    }
    return value;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k];
    if (key.charCodeAt(0) === 36 /* $ */) return reviveWrapper(object, keys.length === 1 ? key : undefined, bson);
    if (checkKeys && key.indexOf("\0") !== -1) throw invalidFieldName();
    const item = object[key];
    if (typeof item === "number") {
      // Checked here rather than in a call: most numbers are fractions or int32s other than 0, kept as they are.
      if ((item | 0) === item ? item === 0 : isInteger(item)) {
        const revived = reviveNumber(item, bson, exact);
        if (revived !== item) setOwn(object, key, revived);
      }
    } else if (typeof item === "object") {
      const revived = revive(item, bson, checkKeys, exact);
      if (revived !== item) setOwn(object, key, revived);
    }
  }
  return object;
}

/**
 * Plain JSON numbers, typed as the library types them, but only where the BSON differs from what a JS
 * number serialises to: integers beyond int32 (Int64 in EJSON, a double as a JS number) and -0 (a
 * double in EJSON, int32 0 as a JS number). Fractions and huge values are doubles either way.
 */
function reviveNumber(value: number, bson: BsonPort, exact: boolean): unknown {
  if ((value | 0) === value) return value === 0 && 1 / value < 0 ? new bson.lib.Double(value) : value;
  if (isInteger(value) && value <= INT64_LIMIT && value >= -INT64_LIMIT - 1) {
    if (!exact && (value >= EXACT_LIMIT || value <= -EXACT_LIMIT)) throw NEEDS_EXACT_INTEGERS;
    return bson.lib.Long.fromNumber(value);
  }
  return value;
}

/**
 * The text with every integer of 16 or more digits outside strings wrapped, so that JSON.parse
 * cannot round it: as `{"$numberLong":"<digits>"}` within the Int64 range, else as
 * `{"$numberDouble":"<digits>"}`, the double it is (a bare 2^63 would otherwise read as an Int64
 * clamped to the range's end). A number with a fraction or an exponent stays as written, and is
 * typed as before (as the library types it). The text is valid JSON (JSON.parse has read it), so a small scanner that
 * skips strings finds every number.
 */
function exactIntegerText(text: string): string {
  if (!LONG_DIGIT_RUN.test(text)) return text;
  const parts: string[] = [];
  let copied = 0;
  const length = text.length;
  let i = 0;
  while (i < length) {
    const code = text.charCodeAt(i);
    if (code === 34 /* " */) {
      i = afterString(text, i + 1);
      continue;
    }
    if (code !== 45 /* - */ && !isDigitCode(code)) {
      i++;
      continue;
    }
    const start = i;
    if (code === 45) i++;
    const digitsStart = i;
    while (i < length && isDigitCode(text.charCodeAt(i))) i++;
    const next = text.charCodeAt(i);
    if (next === 46 /* . */ || next === 101 /* e */ || next === 69 /* E */) {
      while (i < length && isNumberCode(text.charCodeAt(i))) i++;
      continue;
    }
    if (i - digitsStart < 16) continue;
    const token = text.slice(start, i);
    parts.push(text.slice(copied, start), `{"${isInt64Text(token) ? "$numberLong" : "$numberDouble"}":"${token}"}`);
    copied = i;
  }
  if (parts.length === 0) return text;
  parts.push(text.slice(copied));
  return parts.join("");
}

/** The index after the closing quote of a JSON string whose contents start at `from`. */
function afterString(text: string, from: number): number {
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1) return text.length;
    let backslashes = 0;
    for (let j = quote - 1; text.charCodeAt(j) === 92 /* backslash */; j--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

function isDigitCode(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** A character a JSON number can hold after its integer part. */
function isNumberCode(code: number): boolean {
  return isDigitCode(code) || code === 46 || code === 101 || code === 69 || code === 43 || code === 45;
}

/** A decimal integer text (optionally signed) whose value is within the Int64 range. */
function isInt64Text(text: string): boolean {
  if (!INT64_DIGITS.test(text)) return false;
  const negative = text.charCodeAt(0) === 45;
  const digits = negative ? text.length - 1 : text.length;
  if (digits < 19) return true;
  // Same length, so the texts compare as the numbers do.
  return (negative ? text.slice(1) : text) <= (negative ? "9223372036854775808" : "9223372036854775807");
}

/**
 * The value of an optionally signed decimal integer of 1-15 digits, or NaN. One pass instead of a
 * regular expression plus Number(), which together cost more than the Date they feed.
 */
function parseShortInteger(text: string): number {
  const length = text.length;
  let i = length > 0 && text.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  if (length === i || length - i > 15) return NaN;
  let value = 0;
  for (; i < length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return text.charCodeAt(0) === 45 ? -value : value;
}

function reviveWrapper(object: Record<string, unknown>, key: string | undefined, bson: BsonPort): unknown {
  const inner = key === undefined ? undefined : object[key];
  const lib = bson.lib;
  switch (key) {
    case "$oid":
      if (typeof inner === "string" && OBJECT_ID.test(inner)) return new lib.ObjectId(inner);
      break;
    case "$numberLong":
      if (typeof inner === "string") {
        // Up to 15 digits a JS number is exact, and fromNumber is ten times cheaper than fromString.
        const value = parseShortInteger(inner);
        if (value === value) return lib.Long.fromNumber(value === 0 ? 0 : value);
        if (isInt64Text(inner)) return lib.Long.fromString(inner);
      }
      break;
    case "$numberInt":
      if (typeof inner === "string" && DIGITS.test(inner)) {
        const n = Number(inner);
        if (n >= INT32_MIN && n <= INT32_MAX) return n | 0; // `| 0` turns -0 into the int32 0
      }
      break;
    case "$numberDouble":
      if (typeof inner === "string") return new lib.Double(parseDouble(inner));
      break;
    case "$numberDecimal":
      if (typeof inner === "string") return reviveDecimal(inner, lib);
      break;
    case "$date":
      return reviveDate(inner);
    case "$binary":
      return reviveBinary(inner, bson);
    case "$timestamp":
      if (lib.Timestamp && isPlainObject(inner) && isUint32(inner.t) && isUint32(inner.i) && onlyKeys(inner, 2)) {
        return new lib.Timestamp({ t: inner.t, i: inner.i });
      }
      break;
    case "$regularExpression":
      if (
        isPlainObject(inner) &&
        typeof inner.pattern === "string" &&
        typeof inner.options === "string" &&
        onlyKeys(inner, 2)
      ) {
        return new lib.BSONRegExp(inner.pattern, inner.options);
      }
      break;
    case "$minKey":
      if (inner === 1) return new lib.MinKey();
      break;
    case "$maxKey":
      if (inner === 1) return new lib.MaxKey();
      break;
  }
  throw NEEDS_LIBRARY;
}

function reviveDate(inner: unknown): Date {
  if (isPlainObject(inner) && typeof inner.$numberLong === "string" && onlyKeys(inner, 1)) {
    const ms = parseShortInteger(inner.$numberLong);
    if (ms === ms) return new Date(ms === 0 ? 0 : ms);
  } else if (typeof inner === "string") {
    const ms = Date.parse(inner);
    if (!isNotANumber(ms)) return new Date(ms);
  }
  throw NEEDS_LIBRARY;
}

function reviveBinary(inner: unknown, bson: BsonPort): unknown {
  if (
    isPlainObject(inner) &&
    onlyKeys(inner, 2) &&
    typeof inner.base64 === "string" &&
    typeof inner.subType === "string"
  ) {
    const subType = parseSubType(inner.subType);
    if (subType < 0) throw NEEDS_LIBRARY;
    const small = decodeSmallBase64(inner.base64);
    if (small !== undefined) return new bson.lib.Binary(small, subType);
    const bytes = Buffer.from(inner.base64, "base64");
    // Node's decoder skips characters it does not know; a length check makes it strict.
    if (bytes.length === decodedLength(inner.base64)) return new bson.lib.Binary(bytes, subType);
  }
  throw NEEDS_LIBRARY;
}

/** A subtype of one or two hex digits as a number, or -1 (cheaper than a regular expression and parseInt). */
function parseSubType(text: string): number {
  const length = text.length;
  if (length < 1 || length > 2) return -1;
  const high = length === 2 ? hexDigit(text.charCodeAt(0)) : 0;
  const low = hexDigit(text.charCodeAt(length - 1));
  return high < 0 || low < 0 ? -1 : high * 16 + low;
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 32;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

// Base64 digit values by character code, -1 for anything else. Node's decoder also reads the URL-safe
// "-" and "_", so they decode here as they do there.
const BASE64_DIGITS = new Int8Array(128).fill(-1);
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  .split("")
  .forEach((c, i) => (BASE64_DIGITS[c.charCodeAt(0)] = i));
BASE64_DIGITS[45 /* - */] = 62;
BASE64_DIGITS[95 /* _ */] = 63;

/**
 * A padded base64 text of at most ON_HEAP_BYTES decoded bytes, decoded in JS into a buffer of its own,
 * or undefined for anything longer or not plain base64 (then Node's decoder decides). A call into
 * Node's decoder costs more than a dozen characters take to decode, and its result is a slice of the
 * shared pool, which held by thousands of documents made each young-generation collection much
 * slower; Buffer.alloc's bytes of this size stay inside the V8 object (see reviveDecimal).
 */
function decodeSmallBase64(text: string): Buffer | undefined {
  const length = decodedLength(text);
  if (length < 0 || length > ON_HEAP_BYTES) return undefined;
  const bytes = Buffer.alloc(length);
  let out = 0;
  for (let i = 0; i < text.length; i += 4) {
    const a = base64Digit(text, i);
    const b = base64Digit(text, i + 1);
    const c = out + 1 < length ? base64Digit(text, i + 2) : 0;
    const d = out + 2 < length ? base64Digit(text, i + 3) : 0;
    if ((a | b | c | d) < 0) return undefined;
    const group = (a << 18) | (b << 12) | (c << 6) | d;
    bytes[out++] = group >> 16;
    if (out < length) bytes[out++] = (group >> 8) & 0xff;
    if (out < length) bytes[out++] = group & 0xff;
  }
  return bytes;
}

function base64Digit(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code < 128 ? BASE64_DIGITS[code] : -1;
}

// V8 keeps typed arrays up to this size inside the object (its typed_array_max_size_in_heap).
const ON_HEAP_BYTES = 64;
const DECIMAL_EXPONENT_BIAS = 6176;

/**
 * Decimal128.fromString costs about 4.5 us, the largest part of a typical record, so a plain decimal
 * of at most 15 digits ("-123.450") is encoded directly, IEEE 754-2008 BID: sign | 14-bit biased
 * exponent | coefficient (here < 2^53, so it sits in the low 64 bits), trailing zeros kept as the
 * library keeps them. Anything else goes to fromString. A property test holds the two equal.
 */
function reviveDecimal(text: string, lib: BsonPort["lib"]): unknown {
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
    if (digit < 0 || digit > 9 || ++digits > 15) return lib.Decimal128.fromString(text);
    coefficient = coefficient * 10 + digit;
    if (fractionDigits !== -1) fractionDigits++;
  }
  if (digits === 0 || fractionDigits === 0) return lib.Decimal128.fromString(text);
  const exponent = fractionDigits === -1 ? 0 : -fractionDigits;
  // Buffer.alloc, not allocUnsafe or Buffer.from: V8 keeps a small typed array's bytes inside the
  // object, while a slice of Node's shared pool is a view on a separate 8 KiB buffer, and thousands
  // of those surviving a young-generation collection made each collection much slower.
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

function parseDouble(text: string): number {
  if (text === "Infinity") return Infinity;
  if (text === "-Infinity") return -Infinity;
  if (text === "NaN") return NaN;
  if (!DECIMAL_FLOAT.test(text)) throw NEEDS_LIBRARY;
  return Number(text);
}

/** The exact byte count a strict, padded base64 string decodes to, or -1 when it cannot be valid. */
export function decodedLength(base64: string): number {
  const length = base64.length;
  if (length % 4 !== 0) return -1;
  let padding = 0;
  if (length > 0 && base64.charCodeAt(length - 1) === 61 /* = */) padding++;
  if (length > 1 && base64.charCodeAt(length - 2) === 61) padding++;
  return (length / 4) * 3 - padding;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function onlyKeys(object: Record<string, unknown>, count: number): boolean {
  return Object.keys(object).length === count;
}

function isUint32(value: unknown): value is number {
  return typeof value === "number" && value >= 0 && value <= 0xffffffff && Math.floor(value) === value;
}

/** Assigns without ever invoking the `__proto__` setter that JSON.parse's own keys can name. */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

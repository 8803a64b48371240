/*
 * The texts inside Extended JSON wrappers, read exactly as the specification writes them
 * (mongodb/specifications, source/extended-json/extended-json.md, "Conversion table"), or refused:
 * a text that could be read some other way is never read as something close to it. Each function
 * answers NaN or -1 (cheap to test, nothing allocated) rather than throwing.
 */

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * The value of a canonical decimal integer text ("-" allowed, no "+", no leading zero, no "-0"),
 * or NaN. Within 15 digits a double holds it exactly; longer texts answer NaN here (see isInt64Text).
 */
export function shortIntegerValue(text: string): number {
  const length = text.length;
  const negative = length > 0 && text.charCodeAt(0) === 45; /* - */
  const start = negative ? 1 : 0;
  const digits = length - start;
  if (digits === 0 || digits > 15) return NaN;
  // A leading zero only alone ("0"), and never negative ("-0" is not how an integer is written).
  if (text.charCodeAt(start) === 48 && (digits > 1 || negative)) return NaN;
  let value = 0;
  for (let i = start; i < length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

/** An Int32 written as the specification writes it, or NaN. */
export function int32Value(text: string): number {
  const value = shortIntegerValue(text);
  return value >= INT32_MIN && value <= INT32_MAX ? value : NaN;
}

/** A canonical decimal integer text (as shortIntegerValue) of any length within the Int64 range. */
export function isInt64Text(text: string): boolean {
  const length = text.length;
  const negative = length > 0 && text.charCodeAt(0) === 45;
  const start = negative ? 1 : 0;
  const digits = length - start;
  if (digits === 0 || digits > 19) return false;
  if (text.charCodeAt(start) === 48 && (digits > 1 || negative)) return false;
  for (let i = start; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  if (digits < 19) return true;
  // Same length, so the texts compare as the numbers do.
  return (negative ? text.slice(1) : text) <= (negative ? "9223372036854775808" : "9223372036854775807");
}

// A finite double in decimal notation: JSON's number grammar, and also "1." and ".5" (decimal
// strings as other writers spell them). No "+", no hexadecimal, no spaces, no "_".
const DECIMAL_DOUBLE = /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A `$numberDouble` text's value, or undefined when it is not a decimal string the double can hold. */
export function doubleValue(text: string): number | undefined {
  if (text === "Infinity") return Infinity;
  if (text === "-Infinity") return -Infinity;
  if (text === "NaN") return NaN;
  if (!DECIMAL_DOUBLE.test(text)) return undefined;
  const value = Number(text);
  // Beyond the largest double the text would read as Infinity: a different value, refused.
  return isFinite(value) ? value : undefined;
}

// The Decimal128 string grammar (mongodb/specifications, source/bson-decimal128/decimal128.md,
// "From-String Representation"): a sign, digits with an optional point and exponent, or the
// specials, case-insensitive. Whether the value fits 34 digits exactly is the library's to say.
const DECIMAL128 = /^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)$/i;

export function isDecimal128Text(text: string): boolean {
  return DECIMAL128.test(text);
}

const MILLIS_PER_DAY = 86400000;
/** The range of a JavaScript Date, which every host builds a BSON datetime from. */
export const DATE_LIMIT_MS = 8.64e15;

/**
 * The milliseconds of an RFC 3339 date-time (`2012-12-24T12:15:30.501Z`, `…+01:00`; "T" and "Z" in
 * either case), or NaN. Checked field by field, the day against its month; a leap second ("60") and
 * a fraction finer than a millisecond (digits after the third that are not zeros) are refused:
 * a BSON datetime cannot hold either, and reading them as something else would change the value.
 */
export function isoDateMillis(text: string): number {
  const length = text.length;
  if (length < 20) return NaN;
  const year = fixedDigits(text, 0, 4);
  const month = fixedDigits(text, 5, 2);
  const day = fixedDigits(text, 8, 2);
  const hour = fixedDigits(text, 11, 2);
  const minute = fixedDigits(text, 14, 2);
  const second = fixedDigits(text, 17, 2);
  if (
    (year | month | day | hour | minute | second) < 0 ||
    text.charCodeAt(4) !== 45 /* - */ ||
    text.charCodeAt(7) !== 45 ||
    (text.charCodeAt(10) | 32) !== 116 /* t */ ||
    text.charCodeAt(13) !== 58 /* : */ ||
    text.charCodeAt(16) !== 58 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return NaN;
  }
  let i = 19;
  let millis = 0;
  if (text.charCodeAt(i) === 46 /* . */) {
    const start = ++i;
    while (i < length && isDigit(text.charCodeAt(i))) {
      const digit = text.charCodeAt(i) - 48;
      if (i - start < 3) millis += digit * (i - start === 0 ? 100 : i - start === 1 ? 10 : 1);
      else if (digit !== 0) return NaN;
      i++;
    }
    if (i === start) return NaN;
  }
  const offset = zoneOffsetMinutes(text, i);
  if (offset !== offset) return NaN;
  return (
    daysFromCivil(year, month, day) * MILLIS_PER_DAY + ((hour * 60 + minute - offset) * 60 + second) * 1000 + millis
  );
}

/** The zone at `at` ("Z" or "±HH:MM", to the end of the text) in minutes east of UTC, or NaN. */
function zoneOffsetMinutes(text: string, at: number): number {
  const code = text.charCodeAt(at);
  if ((code | 32) === 122 /* z */) return at + 1 === text.length ? 0 : NaN;
  if ((code !== 43 /* + */ && code !== 45) || at + 6 !== text.length || text.charCodeAt(at + 3) !== 58) return NaN;
  const hours = fixedDigits(text, at + 1, 2);
  const minutes = fixedDigits(text, at + 4, 2);
  if (hours < 0 || minutes < 0 || hours > 23 || minutes > 59) return NaN;
  return (code === 45 ? -1 : 1) * (hours * 60 + minutes);
}

/** The value of `count` decimal digits at `at`, or -1. */
function fixedDigits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) return -1;
    value = value * 10 + code - 48;
  }
  return value;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). Date.UTC would
 * do, but it reads the years 0-99 as 1900-1999.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

// Base64 digit values by character code, -1 for anything else: the standard alphabet only
// (RFC 4648, section 4), as the specification's `$binary` holds it.
const BASE64_DIGITS = new Int8Array(128).fill(-1);
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  .split("")
  .forEach((c, i) => (BASE64_DIGITS[c.charCodeAt(0)] = i));

function base64Digit(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code < 128 ? BASE64_DIGITS[code] : -1;
}

/**
 * The byte count of a base64 text of strict form (padded with "=" to a multiple of four, padding
 * only at the end, the unused bits of the last digit zero, so that a text has one reading), or -1.
 * Its other digits are checked by decodeSmallBase64 or isBase64Alphabet: Node's decoder skips what
 * it does not know and reads the URL-safe alphabet too, so it decodes only texts they accepted.
 */
export function strictBase64Length(text: string): number {
  const length = text.length;
  if (length % 4 !== 0) return -1;
  let padding = 0;
  if (length > 0 && text.charCodeAt(length - 1) === 61 /* = */) padding++;
  if (padding === 1 && text.charCodeAt(length - 2) === 61) padding++;
  if (padding > 0) {
    // The bits after the last byte: 4 with two "=", 2 with one.
    const last = base64Digit(text, length - padding - 1);
    if (last < 0 || (last & (padding === 2 ? 0x0f : 0x03)) !== 0) return -1;
  }
  return (length / 4) * 3 - padding;
}

/** Whether every character before the padding is a digit of the standard base64 alphabet. */
export function isBase64Alphabet(text: string): boolean {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61) end--;
  for (let i = 0; i < end; i++) if (base64Digit(text, i) < 0) return false;
  return true;
}

/**
 * A base64 text of at most ON_HEAP_BYTES decoded bytes, decoded in JS into a buffer of its own;
 * null when a digit is not of the standard alphabet; undefined for anything longer (for Node's
 * decoder). A call into Node's decoder costs more than a dozen characters take to decode, and its
 * result is a slice of the shared pool, which held by thousands of documents made each
 * young-generation collection much slower; Buffer.alloc's bytes of this size stay inside the V8
 * object. The text must have passed strictBase64Length, whose answer `length` is.
 */
export function decodeSmallBase64(text: string, length: number): Buffer | null | undefined {
  if (length > ON_HEAP_BYTES) return undefined;
  const bytes = Buffer.alloc(length);
  let out = 0;
  for (let i = 0; i < text.length; i += 4) {
    const a = base64Digit(text, i);
    const b = base64Digit(text, i + 1);
    const c = out + 1 < length ? base64Digit(text, i + 2) : 0;
    const d = out + 2 < length ? base64Digit(text, i + 3) : 0;
    if ((a | b | c | d) < 0) return null;
    const group = (a << 18) | (b << 12) | (c << 6) | d;
    bytes[out++] = group >> 16;
    if (out < length) bytes[out++] = (group >> 8) & 0xff;
    if (out < length) bytes[out++] = group & 0xff;
  }
  return bytes;
}

// V8 keeps typed arrays up to this size inside the object (its typed_array_max_size_in_heap).
export const ON_HEAP_BYTES = 64;

/** A `$binary` subtype: one or two hex digits, either case, as a number; -1 for anything else. */
export function subTypeValue(text: string): number {
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

/**
 * Why a Binary of subtype 9 (a vector: mongodb/specifications, source/bson-binary-vector) is
 * malformed, or undefined: a dtype and a padding byte, padding 0-7 and only for packed bits (and
 * none for an empty one), float32 values whole. The Node BSON encoder refuses these, so they are
 * refused here, before a write.
 */
export function vectorProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length < 2) return "a vector (subtype 9) needs its dtype and padding bytes";
  const dtype = bytes[0];
  const padding = bytes[1];
  const INT8 = 0x03;
  const FLOAT32 = 0x27;
  const PACKED_BIT = 0x10;
  if ((dtype === INT8 || dtype === FLOAT32) && padding !== 0) return "an int8 or float32 vector has padding";
  if (dtype === FLOAT32 && (bytes.length - 2) % 4 !== 0) return "a float32 vector's bytes are not whole floats";
  if (dtype === PACKED_BIT && padding > 7) return "a packed-bit vector's padding is above 7";
  if (dtype === PACKED_BIT && padding !== 0 && bytes.length === 2) return "an empty packed-bit vector has padding";
  return undefined;
}

const UUID_TEXT = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

/** A `$uuid`'s 16 bytes: 8-4-4-4-12 hex digits, either case, with all four hyphens or none; else undefined. */
export function uuidBytes(text: string): Buffer | undefined {
  if (!UUID_TEXT.test(text)) return undefined;
  const hex = text.split("-").join("");
  // Either no hyphen or all four: "c8edabc3f738-4ca3…" is neither form.
  if (hex.length !== 32 || (text.length !== 32 && text.length !== 36)) return undefined;
  return Buffer.from(hex, "hex");
}

/**
 * Regular expression options as BSON keeps them (bsonspec.org: i, l, m, s, u, x, in alphabetical
 * order), or undefined for an unknown or repeated letter. The order given does not matter.
 */
export function regexOptions(text: string): string | undefined {
  if (text.length > 6) return undefined;
  let seen = "";
  for (let i = 0; i < text.length; i++) {
    const option = text.charAt(i);
    if ("ilmsux".indexOf(option) === -1 || seen.indexOf(option) !== -1) return undefined;
    seen += option;
  }
  return seen.split("").sort().join("");
}

/** Whether a string holds a UTF-16 surrogate without its pair, which UTF-8 (and so BSON) cannot hold. */
export function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xd800 || code > 0xdfff) continue;
    if (code > 0xdbff) return true;
    const next = text.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
    i++;
  }
  return false;
}

/** The exact byte count a padded base64 text decodes to, or -1 when its length cannot be valid. */
export function decodedLength(base64: string): number {
  const length = base64.length;
  if (length % 4 !== 0) return -1;
  let padding = 0;
  if (length > 0 && base64.charCodeAt(length - 1) === 61 /* = */) padding++;
  if (length > 1 && base64.charCodeAt(length - 2) === 61) padding++;
  return (length / 4) * 3 - padding;
}

import type { BsonPort } from "../bson-port";
import { isInteger } from "../numbers";
import {
  BSONTYPE,
  bsontypeField,
  checkNamesAndStrings,
  describeProblem,
  RecordProblem,
  tooDeep,
  WALK_DEPTH_LIMIT,
} from "./record-problems";
import { isInt64Text } from "./text-formats";
import {
  checkCode,
  checkDbPointer,
  checkSymbol,
  problem,
  readBinary,
  readDate,
  readDecimal,
  readDouble,
  readInt32,
  readInt64,
  readKey,
  readObjectId,
  readRegularExpression,
  readTimestamp,
  readUndefined,
  readUuid,
  readWithLibrary,
  WRAPPER_KEYS,
} from "./wrappers";

/**
 * Parses one record as canonical or relaxed Extended JSON v2 into BSON values, strictly: every type
 * wrapper is read as the specification defines it (mongodb/specifications,
 * source/extended-json/extended-json.md; wrappers.ts), and a record that breaks any rule is refused
 * with a BridgeError naming the path and the rule (codes extended_json_invalid, field_name_invalid,
 * string_invalid, nesting_too_deep), never read as a value close to what it says. Valid records give
 * the BSON `EJSON.parse(text, { relaxed: false })` gives, except that an integer written with all its
 * digits beyond 2^53 keeps them (see exactIntegerText) and that `{"$undefined": true}` is null.
 *
 * Why not call `EJSON.parse`: it costs several times `JSON.parse`
 * (docs/benchmarks.md#2026-11-29-firehose-webhook), more than the webhook's whole budget, and it
 * reads many malformed wrappers as some other value (an Int32 out of range wrapped around, a date
 * that is not one as 1970). So `JSON.parse` runs first and a walker reads the wrappers in place. As
 * the specification says, an object holding any wrapper key must be exactly that wrapper; other
 * `$`-prefixed keys (DBRefs, `$regex`, query operators) stay as they are, and so do the top level's
 * (documentProblem refuses those).
 *
 * Relaxed Extended JSON (and basicJson) writes an Int64 as a bare number with all its digits, as the
 * Go and Java writers do, and `JSON.parse` rounds one beyond 2^53 to the nearest double: a snowflake
 * `_id` would land under another key. The walker sees every number, so a record holding one that
 * large is read again from a text in which each such integer is wrapped as `$numberLong`; records
 * without one (nearly all) pay one comparison per integer beyond int32.
 *
 * `measured.depth` receives the record's nesting (the record 1, each object or array below it one
 * more; wrappers are values), which the writes compare with MongoDB's limit (document-limits.ts).
 */
export function parseExtendedJson(text: string, bson: BsonPort, measured?: { depth: number }): unknown {
  const plain: unknown = JSON.parse(text);
  try {
    // Without a \u escape no name or string can hold a NUL or a lone surrogate (the text was strict UTF-8).
    if (text.indexOf("\\u") !== -1) checkNamesAndStrings(plain);
    return reviveRecord(plain, bson, false, measured);
  } catch (error) {
    if (error instanceof RecordProblem) throw describeProblem(error, plain);
    if (error !== NEEDS_EXACT_INTEGERS) throw error;
  }
  const exact: unknown = JSON.parse(exactIntegerText(text));
  try {
    return reviveRecord(exact, bson, true, measured);
  } catch (error) {
    throw error instanceof RecordProblem ? describeProblem(error, exact) : error;
  }
}

/** The record's own `$`-prefixed keys are field names, not a wrapper (the specification's "top level"). */
function reviveRecord(value: unknown, bson: BsonPort, exact: boolean, measured?: { depth: number }): unknown {
  deepest = 1;
  const revived = isObject(value)
    ? reviveFields(value, undefined, 0, bson, exact, 1, true)
    : revive(value, bson, exact, 1);
  if (measured) measured.depth = deepest;
  return revived;
}

const NEEDS_EXACT_INTEGERS = { reason: "an integer JSON.parse may have rounded" };
// 2^53: from here on, not every integer is a double, so JSON.parse may have rounded the digits.
const EXACT_LIMIT = 9007199254740992;
// Integers in this range become Int64 (as the library does); beyond it they stay doubles.
const INT64_LIMIT = 9223372036854775807;
// A run of digits long enough to be an integer JSON.parse may round (anywhere: checked properly after).
const LONG_DIGIT_RUN = /\d{16}/;
/** The deepest object or array of the record being read (one record at a time, never re-entered). */
let deepest = 1;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * `exact`: the text's long integers are already wrapped, so a large number left is a double as
 * written. `depth`: the nesting of `value` itself when it is an object or array.
 */
function revive(value: unknown, bson: BsonPort, exact: boolean, depth: number): unknown {
  if (typeof value === "number") return reviveNumber(value, bson, exact);
  if (value === null || typeof value !== "object") return value;
  if (depth > deepest) {
    deepest = depth;
    if (depth > WALK_DEPTH_LIMIT) throw tooDeep(value);
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (typeof item === "object" || typeof item === "number") {
        const revived = revive(item, bson, exact, depth + 1);
        if (revived !== item) value[i] = revived;
      }
    }
    return value;
  }
  return reviveFields(value as Record<string, unknown>, undefined, 0, bson, exact, depth);
}

/**
 * The values of `object`'s keys from `from` on, each read in place (`keys`: Object.keys(object), or
 * undefined to take them). An object with a `$`-prefixed key goes to reviveDollarObject, except the
 * record's own (`record`), whose keys are field names whatever they start with.
 */
function reviveFields(
  object: Record<string, unknown>,
  keys: string[] | undefined,
  from: number,
  bson: BsonPort,
  exact: boolean,
  depth: number,
  record = false,
): unknown {
  const names = keys || Object.keys(object);
  for (let k = from; k < names.length; k++) {
    const key = names[k];
    const first = key.charCodeAt(0);
    if (first === 36 /* $ */ && !record) return reviveDollarObject(object, names, k, bson, exact, depth);
    if (first === 95 /* _ */ && key === BSONTYPE) throw bsontypeField(object);
    const item = object[key];
    if (typeof item === "number") {
      // Checked here rather than in a call: most numbers are fractions or int32s other than 0, kept as they are.
      if ((item | 0) === item ? item === 0 : isInteger(item)) {
        const revived = reviveNumber(item, bson, exact);
        if (revived !== item) setOwn(object, key, revived);
      }
    } else if (typeof item === "object") {
      const revived = revive(item, bson, exact, depth + 1);
      if (revived !== item) setOwn(object, key, revived);
    }
  }
  return object;
}

/**
 * An object with a `$`-prefixed key, the first at `at` (the keys before it already read): a type
 * wrapper when it holds any wrapper key, and then exactly one; otherwise (a DBRef, `$regex`, an
 * operator) a document kept as it is, its values read like any other's.
 */
function reviveDollarObject(
  object: Record<string, unknown>,
  keys: string[],
  at: number,
  bson: BsonPort,
  exact: boolean,
  depth: number,
): unknown {
  if (keys.length === 1) {
    const value = reviveWrapper(object, keys[0], bson, depth);
    if (value !== NOT_A_WRAPPER) return value;
  } else if (keys.length === 2 && "$code" in object && "$scope" in object) {
    return reviveCodeWithScope(object, keys, bson, exact, depth);
  } else {
    for (let k = at; k < keys.length; k++) {
      if (!WRAPPER_KEYS.has(keys[k])) continue;
      const wrapper = keys[k] === "$scope" ? "$scope (with $code)" : keys[k];
      throw problem(object, `${wrapper} must be the only key of its object, found ${keys.length} keys`);
    }
  }
  return reviveFields(object, keys, at, bson, exact, depth, true);
}

const NOT_A_WRAPPER = { reason: "a $-prefixed key that is no type wrapper" };

/** A one-key object whose key starts with "$": the wrapper's value, or NOT_A_WRAPPER. */
function reviveWrapper(object: Record<string, unknown>, key: string, bson: BsonPort, depth: number): unknown {
  const inner = object[key];
  switch (key) {
    case "$oid":
      return readObjectId(inner, object, bson);
    case "$numberLong":
      return readInt64(inner, object, bson);
    case "$numberInt":
      return readInt32(inner, object);
    case "$numberDouble":
      return readDouble(inner, object, bson);
    case "$numberDecimal":
      return readDecimal(inner, object, bson);
    case "$date":
      return readDate(inner, object);
    case "$binary":
      return readBinary(inner, object, bson);
    case "$timestamp":
      return readTimestamp(inner, object, bson);
    case "$regularExpression":
      return readRegularExpression(inner, object, bson);
    case "$minKey":
    case "$maxKey":
      return readKey(inner, object, key, bson);
    case "$uuid":
      return readUuid(inner, object, bson);
    case "$undefined":
      return readUndefined(inner, object);
    case "$symbol":
      checkSymbol(inner, object);
      return readWithLibrary(object, bson);
    case "$code":
      checkCode(object, [key]);
      return readWithLibrary(object, bson);
    case "$dbPointer":
      checkDbPointer(inner, object);
      // A DBRef document in the BSON the JavaScript libraries write: one level of nesting.
      if (depth + 1 > deepest) deepest = depth + 1;
      return readWithLibrary(object, bson);
    case "$scope":
      throw problem(object, "$scope without $code");
  }
  return NOT_A_WRAPPER;
}

/**
 * `{"$code": string, "$scope": document}`: the scope is read as any value is, on a copy (it must
 * come out a document, not a wrapper), then the whole is built by the library (readWithLibrary).
 */
function reviveCodeWithScope(
  object: Record<string, unknown>,
  keys: string[],
  bson: BsonPort,
  exact: boolean,
  depth: number,
): unknown {
  checkCode(object, keys);
  let scope: unknown;
  try {
    // The scope's fields are two levels below the code's field, as MongoDB counts (DOCS-15222):
    // `depth` is the level the wrapper would have as a document, so the scope's is one more.
    scope = revive(JSON.parse(JSON.stringify(object.$scope)), bson, exact, depth + 1);
  } catch (error) {
    // The copy is not in the record, so the problem is named at the wrapper.
    if (error instanceof RecordProblem) throw new RecordProblem(object, error.code, `in $scope, ${error.rule}`);
    throw error;
  }
  if (!isObject(scope) || scope instanceof Date || typeof scope._bsontype === "string")
    throw problem(object, "$scope is not a document");
  return readWithLibrary(object, bson);
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

/** Assigns without ever invoking the `__proto__` setter that JSON.parse's own keys can name. */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

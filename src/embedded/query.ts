import { compareBson, isNaNNumber, regexParts, TYPE_RANK, typeRank, valueKey } from "../core/bson-order";
import { MongoErrorCode } from "../core/mongo-error-codes";
import type { Document } from "../core/ports";
import { nodeBson } from "../adapters/bson/node-bson";
import { EmbeddedUnsupportedError, EmbeddedWriteError } from "./errors";
import { MISSING, reach } from "./paths";
import { compileRegex } from "./regex";
import { bitsTest, modTest } from "./query-numbers";
import { bsonTypeCode, BSON_TYPE, isDocument, TYPE_ALIASES } from "./values";

/*
 * The query matcher: a filter compiled into a test on documents, with MongoDB's semantics
 * (https://www.mongodb.com/docs/manual/reference/operator/query/): dotted paths through documents and
 * arrays, an array field matching through any of its elements, comparisons bracketed by type in the
 * BSON order (bson-order.ts), numbers equal across their BSON types, null matching a missing field.
 * Operators it does not implement are refused when the filter is compiled.
 */

export type Matcher = (document: Document) => boolean;

/** A test on the values a path reaches; `expand` also tries the elements of a reached array. */
type Condition = (values: readonly unknown[], expand: boolean) => boolean;

const UNSUPPORTED_TOP = ["$where", "$expr", "$text", "$jsonSchema", "$sampleRate"];
const UNSUPPORTED_FIELD = [
  "$near",
  "$nearSphere",
  "$geoWithin",
  "$geoIntersects",
  "$within",
  "$box",
  "$center",
  "$centerSphere",
  "$polygon",
  "$geometry",
  "$maxDistance",
  "$minDistance",
];

function badValue(message: string): EmbeddedWriteError {
  return new EmbeddedWriteError(MongoErrorCode.BadValue, message);
}

/** Compiles a filter; throws a BadValue error for a malformed one, EmbeddedUnsupportedError for what the store does not do. */
export function compileFilter(filter: unknown): Matcher {
  if (filter === null || filter === undefined) return () => true;
  if (!isDocument(filter)) throw badValue("query filter must be an object");
  const tests: Matcher[] = [];
  for (const key of Object.keys(filter)) {
    // The driver writes an undefined value as null.
    const value = filter[key] === undefined ? null : filter[key];
    if (key.charCodeAt(0) === 36) {
      const logical = compileTopOperator(key, value);
      if (logical) tests.push(logical);
      continue;
    }
    const parts = key.split(".");
    const condition = compileCondition(value, key);
    tests.push((document) => condition(reach(document, parts), true));
  }
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0];
  return (document) => {
    for (const test of tests) if (!test(document)) return false;
    return true;
  };
}

function compileTopOperator(key: string, value: unknown): Matcher | undefined {
  if (key === "$comment") return undefined;
  if (key === "$and" || key === "$or" || key === "$nor") {
    if (!Array.isArray(value) || value.length === 0) throw badValue(`${key} argument must be a non-empty array`);
    const parts = value.map((item) => {
      if (!isDocument(item)) throw badValue(`${key} argument's entries must be objects`);
      return compileFilter(item);
    });
    if (key === "$and") return (document) => parts.every((part) => part(document));
    if (key === "$or") return (document) => parts.some((part) => part(document));
    return (document) => !parts.some((part) => part(document));
  }
  if (UNSUPPORTED_TOP.indexOf(key) !== -1) throw new EmbeddedUnsupportedError(`the query operator ${key}`);
  throw badValue(`unknown top level operator: ${key}`);
}

/** Whether a condition is an operator document ({$gt: 5}) rather than a value to equal. */
function isOperatorDocument(value: unknown): value is Document {
  if (!isDocument(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys[0].charCodeAt(0) === 36 && keys[0] !== "$ref";
}

function isRegex(value: unknown): boolean {
  return value instanceof RegExp || nodeBson.bsonType(value) === "BSONRegExp";
}

function compileCondition(condition: unknown, path: string): Condition {
  if (isRegex(condition)) return positive(regexTest(condition));
  if (!isOperatorDocument(condition)) return positive(comparisonTest("$eq", condition));
  const parts: Condition[] = [];
  const keys = Object.keys(condition);
  for (const operator of keys) {
    if (operator === "$options") {
      if (keys.indexOf("$regex") === -1) throw badValue("$options needs a $regex");
      continue;
    }
    if (operator.charCodeAt(0) !== 36) throw badValue(`unknown operator: ${operator}`);
    parts.push(compileOperator(operator, condition[operator], condition, path));
  }
  if (parts.length === 1) return parts[0];
  return (values, expand) => parts.every((part) => part(values, expand));
}

function compileOperator(operator: string, operand: unknown, all: Document, path: string): Condition {
  switch (operator) {
    case "$eq":
    case "$gt":
    case "$gte":
    case "$lt":
    case "$lte":
      return positive(comparisonTest(operator, operand));
    case "$ne": {
      if (isRegex(operand)) throw badValue("Can't have regex as arg to $ne.");
      const equal = positive(comparisonTest("$eq", operand));
      return (values, expand) => !equal(values, expand);
    }
    case "$in":
      return positive(inTest(operand, "$in"));
    case "$nin": {
      const within = positive(inTest(operand, "$nin"));
      return (values, expand) => !within(values, expand);
    }
    case "$exists": {
      const wanted = isNumberWrapper(operand) ? Number(String(operand)) !== 0 : !!operand;
      return (values) => values.some((value) => value !== MISSING) === wanted;
    }
    case "$type":
      return positive(typeTest(operand, path));
    case "$regex":
      return positive(regexTest(operand, all.$options));
    case "$not":
      return compileNot(operand, path);
    case "$size":
      return sizeCondition(operand);
    case "$all":
      return allCondition(operand, path);
    case "$elemMatch":
      return elemMatchCondition(operand, path);
    case "$mod":
      return positive(modTest(operand));
    case "$bitsAllSet":
    case "$bitsAnySet":
    case "$bitsAllClear":
    case "$bitsAnyClear":
      return positive(bitsTest(operator, operand));
    case "$comment":
      return () => true;
    default:
      if (UNSUPPORTED_FIELD.indexOf(operator) !== -1 || operator === "$expr" || operator === "$where")
        throw new EmbeddedUnsupportedError(`the query operator ${operator}`);
      throw badValue(`unknown operator: ${operator}`);
  }
}

/** A condition met when a reached value (or, expanding, one of its elements) passes `test`. */
function positive(test: (value: unknown) => boolean): Condition {
  return (values, expand) => {
    for (const value of values) {
      if (test(value)) return true;
      if (expand && Array.isArray(value)) for (const item of value) if (test(item)) return true;
    }
    return false;
  };
}

/**
 * `$eq`, `$gt`, `$gte`, `$lt`, `$lte` on one value, as MongoDB's comparison match expressions decide:
 * values of another canonical type never match, except that null and missing are one, and MinKey and
 * MaxKey bounds take every type; NaN equals only NaN and no range holds it.
 */
function comparisonTest(operator: string, operand: unknown): (value: unknown) => boolean {
  const rhs = operand === undefined ? null : operand;
  const rank = typeRank(rhs, nodeBson);
  const nan = rank === TYPE_RANK.number && isNaNNumber(rhs, nodeBson);
  const accepts = acceptance(operator);
  const equalOrBound = operator === "$eq" || operator === "$gte" || operator === "$lte";
  const crossType =
    rank === TYPE_RANK.minKey
      ? operator === "$gt" || operator === "$gte"
      : rank === TYPE_RANK.maxKey
        ? operator === "$lt" || operator === "$lte"
        : false;
  return (value) => {
    if (value === MISSING || value === null || value === undefined) {
      if (rank === TYPE_RANK.null) return equalOrBound;
      return crossType;
    }
    if (typeRank(value, nodeBson) !== rank) return crossType;
    if (operator !== "$eq" && (nan || (rank === TYPE_RANK.number && isNaNNumber(value, nodeBson)))) {
      const both = nan && isNaNNumber(value, nodeBson);
      return both && operator !== "$gt" && operator !== "$lt";
    }
    return accepts(compareBson(value, rhs, nodeBson));
  };
}

function acceptance(operator: string): (order: number) => boolean {
  switch (operator) {
    case "$gt":
      return (order) => order > 0;
    case "$gte":
      return (order) => order >= 0;
    case "$lt":
      return (order) => order < 0;
    case "$lte":
      return (order) => order <= 0;
    default:
      return (order) => order === 0;
  }
}

function inTest(operand: unknown, name: string): (value: unknown) => boolean {
  if (!Array.isArray(operand)) throw badValue(`${name} needs an array`);
  const keys = new Set<string>();
  const regexes: ((value: unknown) => boolean)[] = [];
  let withNull = false;
  for (const item of operand) {
    if (isRegex(item)) regexes.push(regexTest(item));
    else if (isOperatorDocument(item)) throw badValue(`cannot nest $ under ${name}`);
    else if (item === null || item === undefined) withNull = true;
    else keys.add(valueKey(item, nodeBson));
  }
  return (value) => {
    if (value === MISSING || value === null || value === undefined) return withNull;
    if (keys.size > 0 && keys.has(valueKey(value, nodeBson))) return true;
    for (const regex of regexes) if (regex(value)) return true;
    return false;
  };
}

function typeTest(operand: unknown, path: string): (value: unknown) => boolean {
  const codes = parseTypeCodes(operand, path);
  return (value) => value !== MISSING && codes.has(bsonTypeCode(value));
}

/** The BSON type codes a `$type` operand names: aliases ("number" is every numeric type) or codes. */
export function parseTypeCodes(operand: unknown, path: string): Set<number> {
  const asked = Array.isArray(operand) ? operand : [operand];
  if (asked.length === 0)
    throw new EmbeddedWriteError(MongoErrorCode.FailedToParse, `${path} must match at least one type`);
  const codes = new Set<number>();
  for (const item of asked) {
    if (typeof item === "string") {
      const aliased = TYPE_ALIASES[item];
      if (!aliased) throw badValue(`Unknown type name alias: ${item}`);
      aliased.forEach((code) => codes.add(code));
      continue;
    }
    const code = typeof item === "number" || isNumberWrapper(item) ? Number(String(item)) : NaN;
    if (!(code === Math.trunc(code) && (code === -1 || code === 127 || (code >= 1 && code <= 19))))
      throw badValue(`Invalid numerical type code: ${String(item)}`);
    codes.add(code);
  }
  return codes;
}

function isNumberWrapper(value: unknown): boolean {
  const tag = nodeBson.bsonType(value);
  return tag === "Int32" || tag === "Double" || tag === "Long" || tag === "Decimal128";
}

function regexTest(operand: unknown, options?: unknown): (value: unknown) => boolean {
  let pattern: string;
  let flags = "";
  if (typeof operand === "string") pattern = operand;
  else if (isRegex(operand)) {
    const parts = regexParts(operand);
    pattern = parts.pattern;
    flags = operand instanceof RegExp ? operandFlags(operand) : parts.options;
  } else throw badValue("$regex has to be a string");
  if (options !== undefined) {
    if (typeof options !== "string") throw badValue("$options has to be a string");
    if (flags !== "" && options !== "") throw badValue("options set in both $regex and $options");
    flags = options || flags;
  }
  const regex = compileRegex(pattern, flags);
  const sorted = flags.split("").sort().join("");
  return (value) => {
    if (typeof value === "string") return regex.test(value);
    const code = bsonTypeCode(value);
    if (code === BSON_TYPE.symbol) return regex.test(String((value as { valueOf(): unknown }).valueOf()));
    if (code === BSON_TYPE.regex) {
      const stored = regexParts(value);
      return stored.pattern === pattern && stored.options === sorted;
    }
    return false;
  };
}

/** A JavaScript RegExp's flags as MongoDB options (as the driver sends them: i, m, s for dotAll). */
function operandFlags(regex: RegExp): string {
  return (regex.ignoreCase ? "i" : "") + (regex.multiline ? "m" : "") + (regex.dotAll ? "s" : "");
}

function compileNot(operand: unknown, path: string): Condition {
  if (isRegex(operand)) {
    const inner = positive(regexTest(operand));
    return (values, expand) => !inner(values, expand);
  }
  if (!isDocument(operand)) throw badValue("$not needs a regex or a document");
  if (Object.keys(operand).length === 0) throw badValue("$not cannot be empty");
  if (!isOperatorDocument(operand)) throw badValue("$not needs a regex or a document of operators");
  const inner = compileCondition(operand, path);
  return (values, expand) => !inner(values, expand);
}

function sizeCondition(operand: unknown): Condition {
  const size = Number(isNumberWrapper(operand) ? (operand as { valueOf(): unknown }).valueOf() : operand);
  if (typeof operand !== "number" && !isNumberWrapper(operand)) throw badValue("$size needs a number");
  if (size !== Math.trunc(size)) throw badValue("$size must be a whole number");
  if (size < 0) throw badValue("$size may not be negative");
  return (values) => values.some((value) => Array.isArray(value) && value.length === size);
}

function allCondition(operand: unknown, path: string): Condition {
  if (!Array.isArray(operand)) throw badValue("$all needs an array");
  if (operand.length === 0) return () => false;
  const parts = operand.map((item): Condition => {
    if (isDocument(item) && Object.keys(item)[0] === "$elemMatch") return elemMatchCondition(item.$elemMatch, path);
    if (isOperatorDocument(item)) throw badValue("no $ expressions in $all");
    if (isRegex(item)) return positive(regexTest(item));
    return positive(comparisonTest("$eq", item));
  });
  return (values, expand) => parts.every((part) => part(values, expand));
}

const LOGICAL_IN_ELEM_MATCH = ["$and", "$or", "$nor", "$where", "$expr", "$text", "$comment"];

function elemMatchCondition(operand: unknown, path: string): Condition {
  if (!isDocument(operand)) throw badValue("$elemMatch needs an Object");
  const keys = Object.keys(operand);
  const valueMode = keys.length > 0 && keys[0].charCodeAt(0) === 36 && LOGICAL_IN_ELEM_MATCH.indexOf(keys[0]) === -1;
  if (valueMode) {
    const inner = compileCondition(operand, path);
    return (values) => values.some((value) => Array.isArray(value) && value.some((item) => inner([item], false)));
  }
  const filter = compileFilter(operand);
  return (values) =>
    values.some((value) => Array.isArray(value) && value.some((item) => isDocument(item) && filter(item)));
}

/**
 * `$pull`'s test of one array element: a condition of operators on the element, a query on an element
 * that is a document, a regular expression, or equality with a value.
 */
export function compileElementTest(operand: unknown): (element: unknown) => boolean {
  if (isRegex(operand)) return regexTest(operand);
  if (isOperatorDocument(operand)) {
    const condition = compileCondition(operand, "");
    return (element) => condition([element], false);
  }
  if (isDocument(operand)) {
    const filter = compileFilter(operand);
    return (element) => isDocument(element) && filter(element);
  }
  return comparisonTest("$eq", operand);
}

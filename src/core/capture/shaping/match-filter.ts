import type { BsonPort } from "../../bson-port";
import type { Document } from "../../ports";
import { isDate, isFieldDocument, type FieldPath } from "./field-paths";
import { BridgeError } from "../../errors";

/**
 * A small MongoDB query matcher for the capture list's `match=` option, small enough to run inside
 * App Services (which has no query library). It supports a documented subset with MongoDB's meaning:
 * equality (including embedded documents and arrays, and an array field matching one of its
 * elements), $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin, $exists, $not, and $and, $or, $nor; dotted
 * paths cross arrays. Numbers compare by value whatever their type (int, long, double, decimal);
 * $gt/$gte/$lt/$lte compare numbers, strings, dates, ObjectIds and booleans within their own type,
 * as MongoDB does. Anything else ($regex, $type, $size, $elemMatch, $expr, $where…) is refused when
 * the filter is read, so a filter never means something else here than in MongoDB.
 */

export const SUPPORTED_OPERATORS = [
  "$eq",
  "$ne",
  "$gt",
  "$gte",
  "$lt",
  "$lte",
  "$in",
  "$nin",
  "$exists",
  "$not",
  "$and",
  "$or",
  "$nor",
];

const LOGICAL = ["$and", "$or", "$nor"];
const RANGE = ["$gt", "$gte", "$lt", "$lte"];

/** Extended JSON wrappers that are values in a filter; others ($regularExpression, $code, $minKey…) are refused. */
const VALUE_WRAPPERS = [
  "$oid",
  "$date",
  "$numberInt",
  "$numberLong",
  "$numberDouble",
  "$numberDecimal",
  "$binary",
  "$uuid",
  "$timestamp",
];
const REFUSED_WRAPPERS = [
  "$regularExpression",
  "$minKey",
  "$maxKey",
  "$code",
  "$scope",
  "$symbol",
  "$dbPointer",
  "$undefined",
];

export class MatchFilterError extends BridgeError {
  constructor(readonly problems: string[]) {
    super("capture_options_invalid", problems.join("; "));
    this.name = "MatchFilterError";
  }
}

const keysOf = (value: Document) => Object.keys(value);
const isOperatorObject = (value: unknown): value is Document =>
  isFieldDocument(value) && keysOf(value).length > 0 && keysOf(value)[0].charAt(0) === "$";

/**
 * Checks a filter in its JSON form (as written in the capture list) and returns every problem, each
 * naming where it is. Used when the list is read (`npm run build`, `npm run check`) and again at run
 * time before the filter is compiled.
 */
export function filterProblems(filter: unknown): string[] {
  const problems: string[] = [];
  if (!isFieldDocument(filter)) return ["the filter must be a JSON object"];
  checkFilter(filter, "", problems);
  return problems;
}

function checkFilter(filter: Document, where: string, problems: string[]): void {
  for (const key of keysOf(filter)) {
    const at = where ? `${where}.${key}` : key;
    if (LOGICAL.indexOf(key) !== -1) {
      const list = filter[key];
      if (!Array.isArray(list) || list.length === 0) problems.push(`${at} needs a non-empty array of filters`);
      else
        list.forEach((item, i) => {
          if (!isFieldDocument(item)) problems.push(`${at}[${i}] must be a filter object`);
          else checkFilter(item, `${at}[${i}]`, problems);
        });
    } else if (key.charAt(0) === "$") problems.push(unsupported(key, at));
    else if (key === "" || key.split(".").some((part) => part === "" || part.charAt(0) === "$"))
      problems.push(`"${at}" is not a field path`);
    else checkCondition(filter[key], at, problems);
  }
}

function unsupported(operator: string, at: string): string {
  return `${at}: ${operator} is not supported (supported: ${SUPPORTED_OPERATORS.join(", ")})`;
}

function checkCondition(condition: unknown, at: string, problems: string[]): void {
  if (!isOperatorObject(condition) || isValueWrapper(condition)) return checkValue(condition, at, problems);
  for (const operator of keysOf(condition)) {
    const operand = condition[operator];
    const here = `${at}.${operator}`;
    if (operator.charAt(0) !== "$") problems.push(`${at} mixes operators and fields ("${operator}")`);
    else if (operator === "$eq" || operator === "$ne") checkValue(operand, here, problems);
    else if (RANGE.indexOf(operator) !== -1) {
      if (operand === null) continue;
      if (Array.isArray(operand) || (isFieldDocument(operand) && !isValueWrapper(operand)))
        problems.push(`${here} needs a number, string, date, ObjectId, boolean or null`);
      else checkValue(operand, here, problems);
    } else if (operator === "$in" || operator === "$nin") {
      if (!Array.isArray(operand)) problems.push(`${here} needs an array`);
      else operand.forEach((item, i) => checkValue(item, `${here}[${i}]`, problems));
    } else if (operator === "$exists") {
      if (typeof operand !== "boolean") problems.push(`${here} needs true or false`);
    } else if (operator === "$not") {
      if (!isOperatorObject(operand) || isValueWrapper(operand))
        problems.push(`${here} needs an operator object such as {"$gt": 5}`);
      else checkCondition(operand, here, problems);
    } else problems.push(unsupported(operator, at));
  }
}

function isValueWrapper(value: Document): boolean {
  const first = keysOf(value)[0];
  return VALUE_WRAPPERS.indexOf(first) !== -1 || REFUSED_WRAPPERS.indexOf(first) !== -1;
}

/** A literal value: plain JSON, arrays and documents of them, and the Extended JSON value wrappers. */
function checkValue(value: unknown, at: string, problems: string[]): void {
  if (Array.isArray(value)) return value.forEach((item, i) => checkValue(item, `${at}[${i}]`, problems));
  if (!isFieldDocument(value)) return;
  const first = keysOf(value)[0];
  if (first !== undefined && REFUSED_WRAPPERS.indexOf(first) !== -1)
    problems.push(`${at}: ${first} values are not supported (no regular expressions, code or min/max keys)`);
  else if (first !== undefined && VALUE_WRAPPERS.indexOf(first) !== -1) return;
  else if (first !== undefined && first.charAt(0) === "$")
    problems.push(`${at}: ${first} cannot stand inside a value (name the field by its dotted path instead)`);
  else for (const key of keysOf(value)) checkValue(value[key], `${at}.${key}`, problems);
}

/** Every field path a filter reads (for the trigger projection and for update descriptions). */
export function filterPaths(filter: Document): FieldPath[] {
  const paths: FieldPath[] = [];
  const walk = (node: Document) => {
    for (const key of keysOf(node)) {
      if (LOGICAL.indexOf(key) !== -1) (node[key] as Document[]).forEach(walk);
      else paths.push(key.split("."));
    }
  };
  walk(filter);
  return paths;
}

// ---- evaluation --------------------------------------------------------------------------------

const MISSING = {};
type Test = (document: Document) => boolean;

/**
 * Compiles a filter written as (Extended) JSON text into a test on documents. Throws
 * MatchFilterError naming every problem; the values are read with the host's EJSON, so ObjectIds,
 * dates and numbers of every type compare as MongoDB compares them.
 */
export function compileMatch(text: string, bson: BsonPort): { test: Test; paths: FieldPath[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MatchFilterError([`not valid JSON (${error instanceof Error ? error.message : String(error)})`]);
  }
  const problems = filterProblems(json);
  if (problems.length > 0) throw new MatchFilterError(problems);
  const filter = bson.ejson.parse(text, { relaxed: true }) as Document;
  return { test: compileFilter(filter, bson), paths: filterPaths(json as Document) };
}

function compileFilter(filter: Document, bson: BsonPort): Test {
  const tests: Test[] = keysOf(filter).map((key) => {
    if (LOGICAL.indexOf(key) !== -1) {
      const parts = (filter[key] as Document[]).map((item) => compileFilter(item, bson));
      if (key === "$and") return (d: Document) => parts.every((t) => t(d));
      if (key === "$or") return (d: Document) => parts.some((t) => t(d));
      return (d: Document) => !parts.some((t) => t(d));
    }
    const path = key.split(".");
    const condition = compileCondition(filter[key], bson);
    return (d: Document) => condition(valuesAt(d, path));
  });
  return (document) => tests.every((t) => t(document));
}

type Condition = (candidates: unknown[]) => boolean;

function compileCondition(condition: unknown, bson: BsonPort): Condition {
  if (!isOperatorObject(condition)) return equalsCondition(condition, bson);
  const parts: Condition[] = keysOf(condition).map((operator) => {
    const operand = condition[operator];
    switch (operator) {
      case "$eq":
        return equalsCondition(operand, bson);
      case "$ne": {
        const equals = equalsCondition(operand, bson);
        return (c: unknown[]) => !equals(c);
      }
      case "$in": {
        const options = (operand as unknown[]).map((item) => equalsCondition(item, bson));
        return (c: unknown[]) => options.some((o) => o(c));
      }
      case "$nin": {
        const options = (operand as unknown[]).map((item) => equalsCondition(item, bson));
        return (c: unknown[]) => !options.some((o) => o(c));
      }
      case "$exists":
        return operand === true
          ? (c: unknown[]) => c.some((v) => v !== MISSING)
          : (c: unknown[]) => c.every((v) => v === MISSING);
      case "$not": {
        const inner = compileCondition(operand, bson);
        return (c: unknown[]) => !inner(c);
      }
      default:
        return rangeCondition(operator, operand, bson);
    }
  });
  return (candidates) => parts.every((p) => p(candidates));
}

/** Equality: a candidate equal to the value, or an array candidate with an element equal to it; null also matches a missing field. */
function equalsCondition(value: unknown, bson: BsonPort): Condition {
  const wanted = value === undefined ? null : value;
  return (candidates) =>
    candidates.some((c) => {
      if (c === MISSING) return wanted === null;
      if (equalValues(c, wanted, bson)) return true;
      return Array.isArray(c) && c.some((item) => equalValues(item, wanted, bson));
    });
}

function rangeCondition(operator: string, operand: unknown, bson: BsonPort): Condition {
  // MongoDB: {$gte: null} and {$lte: null} match null or missing; {$gt: null} and {$lt: null} nothing.
  if (operand === null) return operator === "$gte" || operator === "$lte" ? equalsCondition(null, bson) : () => false;
  const accept = (order: number) =>
    operator === "$gt" ? order > 0 : operator === "$gte" ? order >= 0 : operator === "$lt" ? order < 0 : order <= 0;
  const test = (value: unknown) => {
    const order = compareValues(value, operand, bson);
    return order !== undefined && accept(order);
  };
  return (candidates) =>
    candidates.some((c) => c !== MISSING && (test(c) || (Array.isArray(c) && c.some((item) => test(item)))));
}

/** The values a dotted path reaches (MISSING where it reaches nothing), crossing arrays as MongoDB does. */
function valuesAt(document: Document, path: FieldPath): unknown[] {
  const out: unknown[] = [];
  const walk = (value: unknown, i: number) => {
    if (i === path.length) {
      out.push(value === undefined ? null : value);
      return;
    }
    if (Array.isArray(value)) {
      // Only the array's documents are looked into (an empty array, or one of scalars, reaches
      // nothing, so {"a.b": null} does not match a: [] — MongoDB 8.0's rule).
      if (/^[0-9]+$/.test(path[i]) && Number(path[i]) < value.length) walk(value[Number(path[i])], i + 1);
      for (const item of value) if (isFieldDocument(item)) walk(item, i);
    } else if (isFieldDocument(value) && Object.prototype.hasOwnProperty.call(value, path[i]))
      walk(value[path[i]], i + 1);
    else out.push(MISSING);
  };
  walk(document, 0);
  return out;
}

type Kind = "null" | "number" | "string" | "document" | "array" | "objectId" | "boolean" | "date" | "other";

function kindOf(value: unknown, bson: BsonPort): Kind {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") return "number";
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "boolean";
  if (Array.isArray(value)) return "array";
  if (isDate(value)) return "date";
  const type = bson.bsonType(value);
  if (type === "Int32" || type === "Double" || type === "Long" || type === "Decimal128") return "number";
  if (type === "ObjectId" || type === "ObjectID") return "objectId";
  if (type === undefined && isFieldDocument(value)) return "document";
  return "other";
}

/** A number of any BSON type as a JS number (Long and Decimal128 beyond 2^53 lose precision). */
export function numberValue(value: unknown, bson: BsonPort): number {
  if (typeof value === "number") return value;
  const type = bson.bsonType(value);
  if (type === "Long") return (value as { toNumber(): number }).toNumber();
  if (type === "Decimal128") return Number(String(value));
  return Number((value as { valueOf(): unknown }).valueOf());
}

function equalValues(a: unknown, b: unknown, bson: BsonPort): boolean {
  const kind = kindOf(a, bson);
  if (kind !== kindOf(b, bson)) return false;
  switch (kind) {
    case "null":
      return true;
    case "number": {
      const x = numberValue(a, bson);
      const y = numberValue(b, bson);
      return x === y || (x !== x && y !== y); // NaN equals NaN in MongoDB
    }
    case "string":
    case "boolean":
      return a === b;
    case "date":
      return (a as Date).getTime() === (b as Date).getTime();
    case "objectId":
      return hex(a) === hex(b);
    case "array": {
      const x = a as unknown[];
      const y = b as unknown[];
      return x.length === y.length && x.every((item, i) => equalValues(item, y[i], bson));
    }
    case "document": {
      const x = keysOf(a as Document);
      const y = keysOf(b as Document);
      return (
        x.length === y.length &&
        x.every((key, i) => key === y[i] && equalValues((a as Document)[key], (b as Document)[key], bson))
      );
    }
    default:
      return (
        bson.bsonType(a) === bson.bsonType(b) &&
        bson.ejson.stringify({ v: a }, { relaxed: false }) === bson.ejson.stringify({ v: b }, { relaxed: false })
      );
  }
}

/** Order of two values of one comparable kind; undefined across kinds (MongoDB's type bracketing). */
function compareValues(a: unknown, b: unknown, bson: BsonPort): number | undefined {
  const kind = kindOf(a, bson);
  if (kind !== kindOf(b, bson)) return undefined;
  switch (kind) {
    case "number": {
      const x = numberValue(a, bson);
      const y = numberValue(b, bson);
      if (x !== x || y !== y) return x !== x && y !== y ? 0 : undefined;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case "string":
      return compareCodePoints(a as string, b as string);
    case "boolean":
      return a === b ? 0 : a ? 1 : -1;
    case "date":
      return (a as Date).getTime() - (b as Date).getTime();
    case "objectId":
      return hex(a) < hex(b) ? -1 : hex(a) > hex(b) ? 1 : 0;
    default:
      return undefined;
  }
}

function hex(id: unknown): string {
  return (id as { toHexString(): string }).toHexString().toLowerCase();
}

/** MongoDB compares strings by their UTF-8 bytes, which is code point order (not UTF-16 unit order). */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const surrogate = (c: number) => c >= 0xd800 && c <= 0xdfff;
    // A surrogate (a code point above U+FFFF) sorts after every other BMP unit.
    if (surrogate(x) !== surrogate(y)) return surrogate(x) ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

import type { BsonPort } from "../../bson-port";
import type { Document } from "../../ports";
import { compareBson, isNaNNumber, typeRank } from "../../bson-order";
import { isFieldDocument, type FieldPath } from "./field-paths";
import { BridgeError } from "../../errors";
import { CAPTURE_ERRORS } from "../errors";

/**
 * A small MongoDB query matcher for the capture list's `match=` option, small enough to run inside
 * App Services (which has no query library). It supports a documented subset with MongoDB's meaning:
 * equality (including embedded documents and arrays, and an array field matching one of its
 * elements), $eq, $ne, $gt, $gte, $lt, $lte, $in, $nin, $exists, $not, and $and, $or, $nor; dotted
 * paths cross arrays. Values compare in MongoDB's BSON order (bson-order.ts, the embedded store's
 * too): numbers by exact value whatever their type (int, long, double, decimal), strings by UTF-8
 * bytes; $gt/$gte/$lt/$lte compare within one type bracket, as MongoDB does. Anything else ($regex,
 * $type, $size, $elemMatch, $expr, $where…) is refused when the filter is read, so a filter never
 * means something else here than in MongoDB.
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
    super("capture_options_invalid", problems.join("; "), { kind: CAPTURE_ERRORS.capture_options_invalid.kind });
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

/** A capture filter read and checked: the BSON filter a query takes. */
export interface MatchFilter {
  readonly filter: Document;
}

/**
 * Reads a filter written as (Extended) JSON text, checked as compileMatch checks it, without
 * compiling a test: a snapshot hands the filter to its query and the database applies it, so
 * runSnapshot carries no evaluator. Throws MatchFilterError naming every problem.
 */
export function readMatchFilter(text: string, bson: BsonPort): MatchFilter {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MatchFilterError([`not valid JSON (${error instanceof Error ? error.message : String(error)})`]);
  }
  const problems = filterProblems(json);
  if (problems.length > 0) throw new MatchFilterError(problems);
  // Not relaxed: a $numberLong beyond 2^53 stays the Int64 it names (relaxed reading rounds it to a double).
  const filter = bson.ejson.parse(text, { relaxed: false }) as Document;
  return { filter };
}

/**
 * Compiles a filter written as (Extended) JSON text into a test on documents. Throws
 * MatchFilterError naming every problem; the values are read with the host's EJSON, so ObjectIds,
 * dates and numbers of every type compare as MongoDB compares them.
 */
export function compileMatch(text: string, bson: BsonPort): MatchFilter & { test: Test; paths: FieldPath[] } {
  const { filter } = readMatchFilter(text, bson);
  // The paths it reads decide which updates cannot have left it; only change events need them.
  return { filter, test: compileFilter(filter, bson), paths: filterPaths(JSON.parse(text) as Document) };
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

/** A number of any BSON type as a JS number (Long and Decimal128 beyond 2^53 lose precision). */
export function numberValue(value: unknown, bson: BsonPort): number {
  if (typeof value === "number") return value;
  const type = bson.bsonType(value);
  if (type === "Long") return (value as { toNumber(): number }).toNumber();
  if (type === "Decimal128") return Number(String(value));
  return Number((value as { valueOf(): unknown }).valueOf());
}

/**
 * Equality as MongoDB's matcher has it: the same type bracket and the same value in its BSON order
 * (numbers by exact value across Int32, Int64, Double and Decimal128; NaN equals NaN).
 */
function equalValues(a: unknown, b: unknown, bson: BsonPort): boolean {
  return typeRank(a, bson) === typeRank(b, bson) && compareBson(a, b, bson) === 0;
}

/**
 * Order of two values in one type bracket, undefined across brackets (MongoDB's type bracketing).
 * NaN is equal to NaN and otherwise compares to nothing, as the server's comparison match
 * expressions treat it (so {$lt: 5} does not match NaN, though NaN sorts below every number).
 */
function compareValues(a: unknown, b: unknown, bson: BsonPort): number | undefined {
  if (typeRank(a, bson) !== typeRank(b, bson)) return undefined;
  const nanA = isNaNNumber(a, bson);
  const nanB = isNaNNumber(b, bson);
  if (nanA || nanB) return nanA && nanB ? 0 : undefined;
  return compareBson(a, b, bson);
}

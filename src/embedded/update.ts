import { EJSON, Timestamp } from "bson";
import { compareBson, valueKey } from "../core/bson-order";
import { MongoErrorCode } from "../core/mongo-error-codes";
import type { Document } from "../core/ports";
import { nodeBson } from "../adapters/bson/node-bson";
import { arithmetic, bitwise, fromNum, identical, toNum, zeroLike } from "./arithmetic";
import { EmbeddedUnsupportedError, EmbeddedWriteError } from "./errors";
import { compileElementTest } from "./query";
import { parseSort, sortBy, type SortKey } from "./sort";
import {
  checkUpdatePath,
  clearSlot,
  comparePaths,
  crossesArray,
  overlaps,
  readSlot,
  slotIfPresent,
  slotToCreate,
  writeSlot,
  type Slot,
} from "./update-paths";
import { bsonTypeCode, BSON_TYPE, isDocument, isNumeric, typeName } from "./values";

/*
 * Update operators (https://www.mongodb.com/docs/manual/reference/operator/update/), applied to a
 * document read with its exact BSON types. The whole update is checked before any document is touched
 * (unknown operators, bad operands, two operators on one path); each operator then has MongoDB's
 * rules: `$inc`/`$mul` keep numeric types (arithmetic.ts), `$min`/`$max` compare in the BSON order,
 * new fields are created in the order of their paths. Whether anything changed is decided by the
 * caller from the document's bytes: an update that leaves them as they were is no write at all.
 */

const OPERATORS = [
  "$set",
  "$unset",
  "$inc",
  "$mul",
  "$min",
  "$max",
  "$rename",
  "$setOnInsert",
  "$currentDate",
  "$push",
  "$addToSet",
  "$pop",
  "$pull",
  "$pullAll",
  "$bit",
];

interface Operation {
  readonly operator: string;
  readonly path: string;
  readonly parts: string[];
  readonly operand: unknown;
  /** $rename's two halves: the source (to remove) names its target, the target (to set) its source. */
  readonly target?: { path: string; parts: string[] };
  readonly source?: { path: string; parts: string[] };
  /** $push/$addToSet's values and modifiers, $pull's element test. */
  readonly each?: unknown[];
  readonly slice?: number;
  readonly position?: number;
  readonly sort?: 1 | -1 | SortKey[];
  readonly test?: (element: unknown) => boolean;
}

export interface ParsedUpdate {
  readonly operations: readonly Operation[];
}

export interface UpdateContext {
  /** An upsert's insert: `$setOnInsert` applies. */
  readonly inserting: boolean;
  readonly now: Date;
  readonly timestamp: () => Timestamp;
}

function failedToParse(message: string): EmbeddedWriteError {
  return new EmbeddedWriteError(MongoErrorCode.FailedToParse, message);
}

function badValue(message: string): EmbeddedWriteError {
  return new EmbeddedWriteError(MongoErrorCode.BadValue, message);
}

function show(value: unknown): string {
  try {
    return EJSON.stringify(value, { relaxed: true });
  } catch {
    return String(value);
  }
}

/** Checks a whole update document and orders its operations; nothing is applied yet. */
export function parseUpdate(update: Document): ParsedUpdate {
  const operations: Operation[] = [];
  for (const operator of Object.keys(update)) {
    const fields = update[operator];
    if (OPERATORS.indexOf(operator) === -1)
      throw failedToParse(
        `Unknown modifier: ${operator}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    if (!isDocument(fields))
      throw failedToParse(
        `Modifiers operate on fields but we found type ${typeName(fields)} instead. For example: {$mod: {<field>: ...}} not {${operator}: ${show(fields)}}`,
      );
    for (const path of Object.keys(fields)) {
      // The driver writes an undefined value as null.
      const value = fields[path] === undefined ? null : fields[path];
      const operation = parseOperation(operator, path, checkUpdatePath(path), value);
      operations.push(operation);
      // A rename sets its target where the target's path puts it, as its own operation.
      if (operation.target)
        operations.push({
          operator,
          path: operation.target.path,
          parts: operation.target.parts,
          operand: path,
          source: { path, parts: operation.parts },
        });
    }
  }
  checkConflicts(operations);
  operations.sort((a, b) => comparePaths(a.parts, b.parts));
  return { operations };
}

function checkConflicts(operations: Operation[]): void {
  const paths = operations.map((operation) => operation.parts);
  for (let i = 0; i < paths.length; i++)
    for (let j = i + 1; j < paths.length; j++)
      if (overlaps(paths[i], paths[j])) {
        const [longer, shorter] = paths[i].length >= paths[j].length ? [paths[i], paths[j]] : [paths[j], paths[i]];
        throw new EmbeddedWriteError(
          MongoErrorCode.ConflictingUpdateOperators,
          `Updating the path '${longer.join(".")}' would create a conflict at '${shorter.join(".")}'`,
        );
      }
}

function parseOperation(operator: string, path: string, parts: string[], operand: unknown): Operation {
  const base = { operator, path, parts, operand };
  switch (operator) {
    case "$inc":
    case "$mul":
      if (!isNumeric(operand))
        throw new EmbeddedWriteError(
          MongoErrorCode.TypeMismatch,
          `Cannot ${operator === "$inc" ? "increment" : "multiply"} with non-numeric argument: {${path}: ${show(operand)}}`,
        );
      return base;
    case "$rename":
      return { ...base, target: parseRenameTarget(path, parts, operand) };
    case "$pop": {
      const n = isNumeric(operand) ? Number(String(operand)) : NaN;
      if (n !== 1 && n !== -1) throw failedToParse(`$pop expects 1 or -1, found: ${show(operand)}`);
      return base;
    }
    case "$currentDate":
      checkCurrentDate(path, operand);
      return base;
    case "$push":
    case "$addToSet":
      return { ...base, ...parseEach(operator, operand) };
    case "$pull":
      return { ...base, test: compileElementTest(operand) };
    case "$pullAll":
      if (!Array.isArray(operand))
        throw badValue(`$pullAll requires an array argument but was given a ${typeName(operand)}`);
      return base;
    case "$bit":
      checkBit(path, operand);
      return base;
    default:
      return base;
  }
}

function parseRenameTarget(path: string, parts: string[], operand: unknown): { path: string; parts: string[] } {
  if (typeof operand !== "string")
    throw badValue(`The 'to' field for $rename must be a string: ${path}: ${show(operand)}`);
  const target = checkUpdatePath(operand);
  if (operand === path) throw badValue(`The source and target field for $rename must differ: ${path}: "${operand}"`);
  if (overlaps(parts, target))
    throw badValue(`The source and target field for $rename must not be on the same path: ${path}: "${operand}"`);
  return { path: operand, parts: target };
}

function checkCurrentDate(path: string, operand: unknown): void {
  if (typeof operand === "boolean") return;
  if (isDocument(operand) && Object.keys(operand).length === 1 && "$type" in operand) {
    if (operand.$type === "date" || operand.$type === "timestamp") return;
    throw badValue(
      "The '$type' string field is required to be 'date' or 'timestamp': {$currentDate: {field : {$type: 'date'}}}",
    );
  }
  throw badValue(
    `${path} is not valid type for $currentDate. Please use a boolean ('true') or a $type expression ({$type: 'timestamp/date'}).`,
  );
}

function checkBit(path: string, operand: unknown): void {
  if (!isDocument(operand) || Object.keys(operand).length === 0)
    throw badValue(
      `The $bit modifier is not compatible with a ${typeName(operand)}. You must pass in an embedded document: {$bit: {field: {and/or/xor: #}}`,
    );
  for (const key of Object.keys(operand)) {
    if (key !== "and" && key !== "or" && key !== "xor")
      throw badValue(
        `The $bit modifier only supports 'and', 'or', and 'xor', not '${key}' which is an unknown operator: {${key}: ${show(operand[key])}}`,
      );
    const code = bsonTypeCode(operand[key]);
    if (code !== BSON_TYPE.int && code !== BSON_TYPE.long)
      throw badValue(
        `The $bit modifier field must be an Integer(32/64 bit); a '${typeName(operand[key])}' is not supported here: {${key}: ${show(operand[key])}} (at ${path})`,
      );
  }
}

function wholeNumber(value: unknown, what: string): number {
  const n = isNumeric(value) ? Number(String(value)) : NaN;
  if (n !== Math.trunc(n)) throw badValue(`The value for ${what} must be an integer value, not ${show(value)}`);
  return n;
}

function parseEach(operator: string, operand: unknown): Partial<Operation> {
  if (!isDocument(operand) || !("$each" in operand)) return { each: [operand] };
  const each = operand.$each;
  if (!Array.isArray(each))
    throw badValue(`The argument to $each in ${operator} must be an array but it was of type: ${typeName(each)}`);
  const out: { each: unknown[]; slice?: number; position?: number; sort?: 1 | -1 | SortKey[] } = { each };
  for (const key of Object.keys(operand)) {
    if (key === "$each") continue;
    if (operator === "$addToSet") throw badValue(`Found unexpected fields after $each in $addToSet: ${show(operand)}`);
    if (key === "$slice") out.slice = wholeNumber(operand.$slice, "$slice");
    else if (key === "$position") out.position = wholeNumber(operand.$position, "$position");
    else if (key === "$sort") out.sort = parsePushSort(operand.$sort);
    else throw badValue(`Unrecognized clause in $push: ${key}`);
  }
  return out;
}

function parsePushSort(spec: unknown): 1 | -1 | SortKey[] {
  if (isNumeric(spec)) {
    const n = Number(String(spec));
    if (n === 1 || n === -1) return n;
  } else if (isDocument(spec) && Object.keys(spec).length > 0) return parseSort(spec) as SortKey[];
  throw badValue("The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort embedded fields");
}

/** Applies a parsed update to a document in place; returns the paths its operations touched. */
export function applyUpdate(document: Document, update: ParsedUpdate, context: UpdateContext): string[] {
  const renamed = renamedValues(document, update);
  const touched: string[] = [];
  for (const operation of update.operations) {
    if (operation.operator === "$setOnInsert" && !context.inserting) continue;
    if (operation.operator === "$rename") applyRenameHalf(document, operation, renamed);
    else applyOperation(document, operation, context);
    touched.push(operation.path);
  }
  return touched;
}

function applyOperation(document: Document, operation: Operation, context: UpdateContext): void {
  switch (operation.operator) {
    case "$set":
    case "$setOnInsert":
      return writeSlot(slotToCreate(document, operation.parts), operation.operand);
    case "$unset": {
      const slot = slotIfPresent(document, operation.parts);
      if (slot && readSlot(slot) !== undefined) clearSlot(slot);
      return;
    }
    case "$inc":
    case "$mul":
      return applyArithmetic(document, operation);
    case "$min":
    case "$max": {
      const slot = slotToCreate(document, operation.parts);
      const current = readSlot(slot);
      const order = current === undefined ? 0 : compareBson(current, operation.operand, nodeBson);
      if (current === undefined || (operation.operator === "$max" ? order < 0 : order > 0))
        writeSlot(slot, operation.operand);
      return;
    }
    case "$currentDate": {
      const wantsTimestamp = isDocument(operation.operand) && operation.operand.$type === "timestamp";
      return writeSlot(
        slotToCreate(document, operation.parts),
        wantsTimestamp ? context.timestamp() : new Date(context.now.getTime()),
      );
    }
    case "$push":
    case "$addToSet":
      return applyAppend(document, operation);
    case "$pop":
    case "$pull":
    case "$pullAll":
      return applyRemoval(document, operation);
    default:
      return applyBit(document, operation);
  }
}

function idOf(document: Document): string {
  return `_id: ${show(document._id)}`;
}

function applyArithmetic(document: Document, operation: Operation): void {
  const slot = slotToCreate(document, operation.parts);
  const current = readSlot(slot);
  const operand = toNum(operation.operand)!;
  if (current === undefined) {
    writeSlot(slot, fromNum(operation.operator === "$inc" ? operand : zeroLike(operand)));
    return;
  }
  const had = toNum(current);
  if (!had)
    throw new EmbeddedWriteError(
      MongoErrorCode.TypeMismatch,
      `Cannot apply ${operation.operator} to a value of non-numeric type. {${idOf(document)}} has the field '${slot.key}' of non-numeric type ${typeName(current)}`,
    );
  const result = arithmetic(operation.operator === "$inc" ? "add" : "multiply", had, operand);
  if (!result)
    throw badValue(
      `Failed to apply ${operation.operator} operations to current value ((NumberLong)${String(current)}) for document {${idOf(document)}}`,
    );
  if (!identical(result, had)) writeSlot(slot, fromNum(result));
}

/** The value each $rename moves (read before any operation runs), by source path; checked for arrays. */
function renamedValues(document: Document, update: ParsedUpdate): Map<string, unknown> {
  const values = new Map<string, unknown>();
  for (const operation of update.operations) {
    if (operation.operator !== "$rename" || !operation.target) continue;
    const source = slotIfPresent(document, operation.parts);
    const value = source ? readSlot(source) : undefined;
    if (value === undefined) continue;
    const target = operation.target;
    if (crossesArray(document, operation.parts))
      throw badValue(
        `The source field cannot be an array element, '${operation.path}' in doc with ${idOf(document)} has an array field called '${operation.parts[0]}'`,
      );
    if (crossesArray(document, target.parts))
      throw badValue(
        `The destination field cannot be an array element, '${target.path}' in doc with ${idOf(document)} has an array field called '${target.parts[0]}'`,
      );
    values.set(operation.path, value);
  }
  return values;
}

function applyRenameHalf(document: Document, operation: Operation, renamed: Map<string, unknown>): void {
  if (operation.target) {
    const slot = renamed.has(operation.path) ? slotIfPresent(document, operation.parts) : undefined;
    if (slot) clearSlot(slot);
    return;
  }
  const from = (operation.source as { path: string }).path;
  if (renamed.has(from)) writeSlot(slotToCreate(document, operation.parts), renamed.get(from));
}

function applyAppend(document: Document, operation: Operation): void {
  const slot = slotToCreate(document, operation.parts);
  const current = readSlot(slot);
  if (current !== undefined && !Array.isArray(current)) {
    if (operation.operator === "$addToSet")
      throw badValue(
        `Cannot apply $addToSet to non-array field. Field named '${slot.key}' has non-array type ${typeName(current)}`,
      );
    throw badValue(
      `The field '${operation.path}' must be an array but is of type ${typeName(current)} in document {${idOf(document)}}`,
    );
  }
  const items = current === undefined ? [] : (current as unknown[]).slice();
  const each = operation.each as unknown[];
  if (operation.operator === "$addToSet") {
    const present = new Set(items.map((item) => valueKey(item, nodeBson)));
    for (const value of each) {
      const key = valueKey(value, nodeBson);
      if (!present.has(key)) items.push(value);
      present.add(key);
    }
    writeSlot(slot, items);
    return;
  }
  const position =
    operation.position === undefined
      ? items.length
      : operation.position < 0
        ? Math.max(0, items.length + operation.position)
        : Math.min(operation.position, items.length);
  items.splice(position, 0, ...each);
  let result = items;
  if (operation.sort !== undefined) result = sortElements(result, operation.sort);
  if (operation.slice !== undefined)
    result =
      operation.slice >= 0
        ? result.slice(0, operation.slice)
        : result.slice(Math.max(0, result.length + operation.slice));
  writeSlot(slot, result);
}

function sortElements(items: unknown[], sort: 1 | -1 | SortKey[]): unknown[] {
  if (sort === 1 || sort === -1) {
    const indexed = items.map((item, index) => ({ item, index }));
    indexed.sort((x, y) => sort * compareBson(x.item, y.item, nodeBson) || x.index - y.index);
    return indexed.map((entry) => entry.item);
  }
  return sortBy(items, sort, (item) => (isDocument(item) ? item : {}));
}

function applyRemoval(document: Document, operation: Operation): void {
  const slot = slotIfPresent(document, operation.parts);
  const current = slot ? readSlot(slot) : undefined;
  if (!slot || current === undefined) return;
  if (!Array.isArray(current)) {
    if (operation.operator === "$pop")
      throw new EmbeddedWriteError(
        MongoErrorCode.TypeMismatch,
        `Path '${operation.path}' contains an element of non-array type '${typeName(current)}'`,
      );
    if (operation.operator === "$pull") throw badValue("Cannot apply $pull to a non-array value");
    throw badValue("$pullAll can only be applied to an array");
  }
  if (operation.operator === "$pop") {
    if (current.length === 0) return;
    writeSlot(slot, Number(String(operation.operand)) === 1 ? current.slice(0, -1) : current.slice(1));
    return;
  }
  if (operation.operator === "$pull") {
    writeSlot(
      slot,
      current.filter((item) => !(operation.test as (element: unknown) => boolean)(item)),
    );
    return;
  }
  const removed = new Set((operation.operand as unknown[]).map((value) => valueKey(value, nodeBson)));
  writeSlot(
    slot,
    current.filter((item) => !removed.has(valueKey(item, nodeBson))),
  );
}

function applyBit(document: Document, operation: Operation): void {
  const slot: Slot = slotToCreate(document, operation.parts);
  const current = readSlot(slot);
  let value = toNum(current === undefined ? 0 : current);
  const code = bsonTypeCode(current === undefined ? 0 : current);
  if (!value || (code !== BSON_TYPE.int && code !== BSON_TYPE.long))
    throw badValue(
      `Cannot apply $bit to a value of non-integral type.{${idOf(document)}} has the field ${slot.key} of non-integer type ${typeName(current)}`,
    );
  const spec = operation.operand as Document;
  for (const key of Object.keys(spec)) value = bitwise(key as "and" | "or" | "xor", value, toNum(spec[key])!);
  if (current === undefined || !identical(value, toNum(current)!)) writeSlot(slot, fromNum(value));
}

/** Refuses an update given as a pipeline (an array of stages), which the store does not run. */
export function refusePipeline(update: unknown): void {
  if (Array.isArray(update)) throw new EmbeddedUnsupportedError("updates given as an aggregation pipeline");
}

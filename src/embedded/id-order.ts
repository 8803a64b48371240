import { ObjectId } from "bson";
import * as sortedBtree from "sorted-btree";
import { nodeBson } from "../adapters/bson/node-bson";

/**
 * MongoDB's order of `_id` values for the types an `_id` usually has, so that `_id` ranges and
 * `_id`-sorted reads come from an ordered index (a B+ tree) instead of a scan. Types are bracketed
 * as MongoDB brackets them (null < numbers < strings < ObjectId < booleans < dates); a range query
 * stays inside its bound's bracket. Other `_id` types (documents, binary, ...) are "complex": while a
 * collection holds any, its reads take the scan path, which has MongoDB's full rules (via mingo).
 */
// sorted-btree is CommonJS with an ES-module default: Node's ESM loader hands over its exports object,
// bundlers and vitest the class itself.
type BTreeClass = typeof sortedBtree.default;
const BTree: BTreeClass = ((sortedBtree as unknown as { default: BTreeClass & { default?: BTreeClass } }).default
  .default || (sortedBtree as unknown as { default: BTreeClass }).default) as BTreeClass;

const BRACKET = { null: 1, number: 2, string: 3, objectId: 7, boolean: 8, date: 9 } as const;

/** The bracket of a simple `_id`, or undefined for a complex one. */
export function idBracket(id: unknown): number | undefined {
  if (id === null) return BRACKET.null;
  if (typeof id === "number") return BRACKET.number;
  if (typeof id === "string") return BRACKET.string;
  if (typeof id === "boolean") return BRACKET.boolean;
  if (id instanceof Date) return BRACKET.date;
  const type = nodeBson.bsonType(id);
  if (type === "ObjectId") return BRACKET.objectId;
  if (type === "Int32" || type === "Double" || type === "Long" || type === "Decimal128") return BRACKET.number;
  return undefined;
}

function numberOf(id: unknown): number {
  if (typeof id === "number") return id;
  const type = nodeBson.bsonType(id);
  if (type === "Long") return (id as { toNumber(): number }).toNumber();
  if (type === "Decimal128") return parseFloat(String(id));
  return (id as { valueOf(): number }).valueOf();
}

/** Strings compare by code point (the order of their UTF-8 bytes, as MongoDB compares them). */
function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n;) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

/** Orders two simple `_id`s as MongoDB does (callers never pass complex ones). */
export function compareIds(a: unknown, b: unknown): number {
  const ba = idBracket(a) as number;
  const bb = idBracket(b) as number;
  if (ba !== bb) return ba - bb;
  switch (ba) {
    case BRACKET.number: {
      const x = numberOf(a);
      const y = numberOf(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case BRACKET.string:
      return compareStrings(a as string, b as string);
    case BRACKET.objectId: {
      const x = (a as { toHexString(): string }).toHexString();
      const y = (b as { toHexString(): string }).toHexString();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case BRACKET.boolean:
      return Number(a) - Number(b);
    case BRACKET.date:
      return (a as Date).getTime() - (b as Date).getTime();
    default:
      return 0;
  }
}

/** `_id` -> the stored document's key, in MongoDB's `_id` order; counts the complex `_id`s aside. */
export class IdOrder {
  private readonly tree = new BTree<unknown, string>(undefined, compareIds as (a: unknown, b: unknown) => number);
  private complex = 0;

  add(id: unknown, key: string): void {
    if (idBracket(id) === undefined) this.complex++;
    else this.tree.set(id, key);
  }

  remove(id: unknown): void {
    if (idBracket(id) === undefined) this.complex--;
    else this.tree.delete(id);
  }

  /** Whether every `_id` is simple, so the order is complete. */
  get complete(): boolean {
    return this.complex === 0;
  }

  /**
   * Keys of the documents whose `_id` passes `range`, in ascending or descending order, after
   * skipping `skip`, at most `limit` (0: all). A bound confines the walk to its own bracket.
   */
  keys(range: IdRange, direction: 1 | -1, skip: number, limit: number): string[] {
    const out: string[] = [];
    const bound = range.low || range.high;
    const bracket = bound ? idBracket(bound.value) : undefined;
    let iterator: IterableIterator<[unknown, string]>;
    if (direction === 1) {
      iterator = this.tree.entries(range.low ? range.low.value : bracket !== undefined ? lowestOf(bracket) : undefined);
    } else if (range.high) {
      iterator = this.tree.entriesReversed(range.high.value);
    } else {
      // From the end of the bracket: just below the lowest id of the next bracket, if any.
      const next = bracket !== undefined ? ORDER[ORDER.indexOf(bracket) + 1] : undefined;
      iterator =
        next !== undefined ? this.tree.entriesReversed(lowestOf(next), undefined, true) : this.tree.entriesReversed();
    }
    let skipped = 0;
    for (const [id, key] of iterator) {
      if (bracket !== undefined && idBracket(id) !== bracket) break; // walked out of the bound's bracket
      if (range.low) {
        const c = compareIds(id, range.low.value);
        if (c < 0 || (c === 0 && !range.low.inclusive)) {
          if (direction === 1) continue;
          break;
        }
      }
      if (range.high) {
        const c = compareIds(id, range.high.value);
        if (c > 0 || (c === 0 && !range.high.inclusive)) {
          if (direction === -1) continue;
          break;
        }
      }
      if (skipped < skip) {
        skipped++;
        continue;
      }
      out.push(key);
      if (limit > 0 && out.length >= limit) break;
    }
    return out;
  }
}

/** The simple brackets in MongoDB's order. */
const ORDER: readonly number[] = [
  BRACKET.null,
  BRACKET.number,
  BRACKET.string,
  BRACKET.objectId,
  BRACKET.boolean,
  BRACKET.date,
];

/** A value no id of the bracket sorts below. */
function lowestOf(bracket: number): unknown {
  switch (bracket) {
    case BRACKET.null:
      return null;
    case BRACKET.number:
      return -Infinity;
    case BRACKET.string:
      return "";
    case BRACKET.objectId:
      return new ObjectId("000000000000000000000000");
    case BRACKET.boolean:
      return false;
    default:
      return new Date(-8.64e15);
  }
}

export interface IdBound {
  readonly value: unknown;
  readonly inclusive: boolean;
}

export interface IdRange {
  readonly low?: IdBound;
  readonly high?: IdBound;
}

/**
 * The `_id` range a filter asks for when that is all it asks: `{}` or `{_id: {$gt|$gte|$lt|$lte: v}}`
 * with simple bounds of one bracket. Undefined for anything else (the scan path answers it).
 */
export function idRangeOf(filter: Record<string, unknown>): IdRange | undefined {
  const keys = Object.keys(filter);
  if (keys.length === 0) return {};
  if (keys.length !== 1 || keys[0] !== "_id") return undefined;
  const condition = filter._id;
  if (
    condition === null ||
    typeof condition !== "object" ||
    nodeBson.bsonType(condition) !== undefined ||
    condition instanceof Date
  )
    return undefined;
  let low: IdBound | undefined;
  let high: IdBound | undefined;
  for (const [operator, value] of Object.entries(condition as Record<string, unknown>)) {
    if (idBracket(value) === undefined || value === null) return undefined;
    if (operator === "$gt" || operator === "$gte") low = { value, inclusive: operator === "$gte" };
    else if (operator === "$lt" || operator === "$lte") high = { value, inclusive: operator === "$lte" };
    else return undefined;
  }
  if (low && high && idBracket(low.value) !== idBracket(high.value)) return undefined;
  return { low, high };
}

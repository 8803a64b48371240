import { ObjectId } from "bson";
import * as sortedBtree from "sorted-btree";
import { nodeBson } from "../adapters/bson/node-bson";
import { BRACKET, compareIds as compareWith, idBracket as bracketWith, isNaNId } from "../core/id-order";

const idBracket = (id: unknown) => bracketWith(id, nodeBson);
const compareIds = (a: unknown, b: unknown) => compareWith(a, b, nodeBson);

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
    const bound = range.low || range.high;
    const bracket = bound ? idBracket(bound.value) : undefined;
    let iterator: IterableIterator<[unknown, string]>;
    if (range.types) return this.keysOfTypes(range.types, direction, skip, limit);
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
    return takePage(iterator, skip, limit, (id) => {
      if (bracket !== undefined && idBracket(id) !== bracket) return STOP; // walked out of the bound's bracket
      if (bound && isNaNId(id, nodeBson)) return PASS; // NaN matches no range bound, as in MongoDB
      // Short of a bound in the walk's direction: not there yet; past it: done.
      if (range.low && outside(id, range.low, 1)) return direction === 1 ? PASS : STOP;
      if (range.high && outside(id, range.high, -1)) return direction === -1 ? PASS : STOP;
      return TAKE;
    });
  }

  /** Keys of the documents whose `_id` is of one of the brackets (`$type`), in order. */
  private keysOfTypes(types: ReadonlySet<number>, direction: 1 | -1, skip: number, limit: number): string[] {
    if (types.size === 0) return [];
    const wanted = ORDER.filter((bracket) => types.has(bracket));
    const last = wanted[wanted.length - 1];
    const iterator = direction === 1 ? this.tree.entries(lowestOf(wanted[0])) : this.tree.entriesReversed();
    return takePage(iterator, skip, limit, (id) => {
      const bracket = idBracket(id) as number;
      if (types.has(bracket)) return TAKE;
      // Brackets come in order: past the last wanted one (ascending) nothing more can match.
      return direction === 1 && bracket > last ? STOP : PASS;
    });
  }
}

const TAKE = 0;
const PASS = 1;
const STOP = 2;
type Verdict = typeof TAKE | typeof PASS | typeof STOP;

/** The keys `verdict` takes from a walk of the tree, after skipping `skip`, at most `limit` (0: all). */
function takePage(
  entries: IterableIterator<[unknown, string]>,
  skip: number,
  limit: number,
  verdict: (id: unknown) => Verdict,
): string[] {
  const out: string[] = [];
  let skipped = 0;
  for (const [id, key] of entries) {
    const v = verdict(id);
    if (v === STOP) break;
    if (v === PASS) continue;
    if (skipped < skip) {
      skipped++;
      continue;
    }
    out.push(key);
    if (limit > 0 && out.length >= limit) break;
  }
  return out;
}

/** Whether `id` lies beyond `bound` on its side: below a low bound (`side` 1), above a high one (-1). */
function outside(id: unknown, bound: IdBound, side: 1 | -1): boolean {
  const c = compareIds(id, bound.value) * side;
  return c < 0 || (c === 0 && !bound.inclusive);
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
      return NaN; // NaN sorts below every other number
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
  /** `{_id: {$type: …}}`: the brackets asked for (none of them for types no simple `_id` has). */
  readonly types?: ReadonlySet<number>;
}

/** `$type` names of the simple brackets; other names an `_id` can have select no simple `_id`. */
const TYPE_BRACKETS: Readonly<Record<string, number | null>> = {
  null: BRACKET.null,
  number: BRACKET.number,
  string: BRACKET.string,
  symbol: BRACKET.string,
  objectId: BRACKET.objectId,
  bool: BRACKET.boolean,
  date: BRACKET.date,
  minKey: null,
  maxKey: null,
  object: null,
  binData: null,
  timestamp: null,
  dbPointer: null,
  javascript: null,
  javascriptWithScope: null,
};

/** The brackets `{$type: name | [names]}` selects, or undefined when it names another type (the scan answers it). */
export function typeBrackets(condition: unknown): Set<number> | undefined {
  if (condition === null || typeof condition !== "object" || nodeBson.bsonType(condition) !== undefined)
    return undefined;
  const keys = Object.keys(condition);
  if (keys.length !== 1 || keys[0] !== "$type") return undefined;
  const asked = (condition as { $type: unknown }).$type;
  const names = Array.isArray(asked) ? asked : [asked];
  const out = new Set<number>();
  for (const name of names) {
    if (typeof name !== "string" || !Object.prototype.hasOwnProperty.call(TYPE_BRACKETS, name)) return undefined;
    const bracket = TYPE_BRACKETS[name];
    if (bracket !== null) out.add(bracket);
  }
  return out;
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
  const types = typeBrackets(condition);
  if (types) return { types };
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
    if (idBracket(value) === undefined || value === null || isNaNId(value, nodeBson)) return undefined;
    if (operator === "$gt" || operator === "$gte") low = { value, inclusive: operator === "$gte" };
    else if (operator === "$lt" || operator === "$lte") high = { value, inclusive: operator === "$lte" };
    else return undefined;
  }
  if (low && high && idBracket(low.value) !== idBracket(high.value)) return undefined;
  return { low, high };
}

import * as sortedBtree from "sorted-btree";
import { compareBson, isNaNNumber, TYPE_RANK, typeRank } from "../core/bson-order";
import { nodeBson } from "../adapters/bson/node-bson";
import { parseTypeCodes } from "./query";
import { bsonTypeCode, BSON_TYPE, isDocument } from "./values";

/*
 * Every `_id` in MongoDB's BSON order (core/bson-order.ts), in a B+ tree, so that `_id` ranges,
 * `{_id: {$type}}` and `_id`-sorted reads come from the index instead of a scan, whatever the `_id`
 * types. A range bound matches only `_id`s of its own canonical type, as MongoDB brackets comparisons
 * by type (a MinKey or MaxKey bound takes every type), so a walk from a bound stops at its type's end.
 */

// sorted-btree is CommonJS with an ES-module default: Node's ESM loader hands over its exports object,
// bundlers and vitest the class itself.
type BTreeClass = typeof sortedBtree.default;
const BTree: BTreeClass = ((sortedBtree as unknown as { default: BTreeClass & { default?: BTreeClass } }).default
  .default || (sortedBtree as unknown as { default: BTreeClass }).default) as BTreeClass;

/** A position in the tree just before (or after) every value of one canonical type; never a key. */
class TypeEdge {
  constructor(
    readonly rank: number,
    readonly after: boolean,
  ) {}
}

function compareKeys(a: unknown, b: unknown): number {
  if (a instanceof TypeEdge) return edgeAgainst(a, b);
  if (b instanceof TypeEdge) return -edgeAgainst(b, a);
  return compareBson(a, b, nodeBson);
}

function edgeAgainst(edge: TypeEdge, value: unknown): number {
  const rank = value instanceof TypeEdge ? value.rank : typeRank(value, nodeBson);
  if (edge.rank !== rank) return edge.rank < rank ? -1 : 1;
  return edge.after ? 1 : -1;
}

export interface IdBound {
  readonly value: unknown;
  readonly inclusive: boolean;
}

export interface IdRange {
  readonly low?: IdBound;
  readonly high?: IdBound;
  /** `{_id: {$type: …}}`: the BSON type codes asked for. */
  readonly types?: ReadonlySet<number>;
}

const TAKE = 0;
const PASS = 1;
const STOP = 2;
type Verdict = typeof TAKE | typeof PASS | typeof STOP;

/** `_id` -> the stored document's key, in MongoDB's order. */
export class IdOrder {
  private readonly tree = new BTree<unknown, string>(undefined, compareKeys);

  add(id: unknown, key: string): void {
    this.tree.set(id, key);
  }

  remove(id: unknown): void {
    this.tree.delete(id);
  }

  /**
   * Keys of the documents whose `_id` is in `range`, ascending or descending, after skipping `skip`,
   * at most `limit` (0: all).
   */
  keys(range: IdRange, direction: 1 | -1, skip: number, limit: number): string[] {
    if (range.types) return this.keysOfTypes(range.types, direction, skip, limit);
    const bound = range.low || range.high;
    const rank = bound ? typeRank(bound.value, nodeBson) : undefined;
    // MinKey and MaxKey bounds compare with every type; any other bound only with its own.
    const confined = rank !== undefined && rank !== TYPE_RANK.minKey && rank !== TYPE_RANK.maxKey ? rank : undefined;
    let iterator: IterableIterator<[unknown, string]>;
    if (direction === 1) {
      const start = range.low ? range.low.value : confined !== undefined ? new TypeEdge(confined, false) : undefined;
      iterator = this.tree.entries(start);
    } else {
      const start = range.high ? range.high.value : confined !== undefined ? new TypeEdge(confined, true) : undefined;
      iterator = start === undefined ? this.tree.entriesReversed() : this.tree.entriesReversed(start);
    }
    return takePage(iterator, skip, limit, (id) => {
      if (confined !== undefined && typeRank(id, nodeBson) !== confined) return STOP;
      // No range bound holds NaN (it equals only NaN); it sorts first among numbers.
      if (confined === TYPE_RANK.number && isNaNNumber(id, nodeBson)) return PASS;
      if (range.low && outside(id, range.low, 1)) return direction === 1 ? PASS : STOP;
      if (range.high && outside(id, range.high, -1)) return direction === -1 ? PASS : STOP;
      return TAKE;
    });
  }

  /** Keys of the documents whose `_id` has one of the BSON types, in order. */
  private keysOfTypes(types: ReadonlySet<number>, direction: 1 | -1, skip: number, limit: number): string[] {
    const ranks = [...types].map(rankOfCode).filter((rank): rank is number => rank !== undefined);
    if (ranks.length === 0) return [];
    const first = Math.min(...ranks);
    const last = Math.max(...ranks);
    const iterator =
      direction === 1
        ? this.tree.entries(new TypeEdge(first, false))
        : this.tree.entriesReversed(new TypeEdge(last, true));
    return takePage(iterator, skip, limit, (id) => {
      const rank = typeRank(id, nodeBson);
      if (direction === 1 ? rank > last : rank < first) return STOP;
      return types.has(bsonTypeCode(id)) ? TAKE : PASS;
    });
  }
}

const RANK_OF_CODE: Readonly<Record<number, number>> = {
  [BSON_TYPE.double]: TYPE_RANK.number,
  [BSON_TYPE.int]: TYPE_RANK.number,
  [BSON_TYPE.long]: TYPE_RANK.number,
  [BSON_TYPE.decimal]: TYPE_RANK.number,
  [BSON_TYPE.string]: TYPE_RANK.string,
  [BSON_TYPE.symbol]: TYPE_RANK.string,
  [BSON_TYPE.object]: TYPE_RANK.object,
  [BSON_TYPE.binData]: TYPE_RANK.binData,
  [BSON_TYPE.objectId]: TYPE_RANK.objectId,
  [BSON_TYPE.bool]: TYPE_RANK.bool,
  [BSON_TYPE.date]: TYPE_RANK.date,
  [BSON_TYPE.null]: TYPE_RANK.null,
  [BSON_TYPE.timestamp]: TYPE_RANK.timestamp,
  [BSON_TYPE.dbPointer]: TYPE_RANK.dbPointer,
  [BSON_TYPE.javascript]: TYPE_RANK.javascript,
  [BSON_TYPE.javascriptWithScope]: TYPE_RANK.javascriptWithScope,
  [BSON_TYPE.minKey]: TYPE_RANK.minKey,
  [BSON_TYPE.maxKey]: TYPE_RANK.maxKey,
};

/** The canonical rank of a type an `_id` can have (none for arrays, regular expressions, undefined). */
function rankOfCode(code: number): number | undefined {
  return RANK_OF_CODE[code];
}

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
  const c = compareBson(id, bound.value, nodeBson) * side;
  return c < 0 || (c === 0 && !bound.inclusive);
}

/**
 * The `_id` range a filter asks for when that is all it asks: `{}`, `{_id: {$type: …}}`, or
 * `{_id: {$gt|$gte|$lt|$lte: v}}` with bounds of one type (not NaN, which matches no range).
 * Undefined for anything else (the scan answers it).
 */
export function idRangeOf(filter: Record<string, unknown>): IdRange | undefined {
  const keys = Object.keys(filter);
  if (keys.length === 0) return {};
  if (keys.length !== 1 || keys[0] !== "_id") return undefined;
  const condition = filter._id;
  if (!isDocument(condition)) return undefined;
  const operators = Object.keys(condition);
  if (operators.length === 1 && operators[0] === "$type") return { types: parseTypeCodes(condition.$type, "_id") };
  let low: IdBound | undefined;
  let high: IdBound | undefined;
  for (const operator of operators) {
    const value = condition[operator];
    if (value === undefined || Array.isArray(value) || isNaNNumber(value, nodeBson)) return undefined;
    if (operator === "$gt" || operator === "$gte") low = { value, inclusive: operator === "$gte" };
    else if (operator === "$lt" || operator === "$lte") high = { value, inclusive: operator === "$lte" };
    else return undefined;
  }
  if (!low && !high) return undefined;
  if (low && high && typeRank(low.value, nodeBson) !== typeRank(high.value, nodeBson)) return undefined;
  return { low, high };
}

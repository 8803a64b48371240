import type { BsonPort } from "./bson-port";
import { compareBson, isNaNNumber, TYPE_RANK, typeRank } from "./bson-order";

/**
 * The types an `_id` usually has (null, numbers, strings, ObjectId, booleans, dates), bracketed by
 * type as MongoDB brackets range queries: a bound of one type matches only that type. A bracket is
 * the type's rank in the BSON order (bson-order.ts). A parallel snapshot plans ranges only over one
 * of these; other types (documents, binary, ...) have no bracket.
 */
export const BRACKET = {
  null: TYPE_RANK.null,
  number: TYPE_RANK.number,
  string: TYPE_RANK.string,
  objectId: TYPE_RANK.objectId,
  boolean: TYPE_RANK.bool,
  date: TYPE_RANK.date,
} as const;

const BRACKETS: readonly number[] = [
  BRACKET.null,
  BRACKET.number,
  BRACKET.string,
  BRACKET.objectId,
  BRACKET.boolean,
  BRACKET.date,
];

/** The bracket of a simple `_id`, or undefined for a complex one. */
export function idBracket(id: unknown, bson: BsonPort): number | undefined {
  if (id === undefined) return undefined;
  const rank = typeRank(id, bson);
  return BRACKETS.indexOf(rank) === -1 ? undefined : rank;
}

/** Orders two `_id`s (of any types) as MongoDB does: its BSON order (bson-order.ts). */
export function compareIds(a: unknown, b: unknown, bson: BsonPort): number {
  return compareBson(a, b, bson);
}

/** Whether an `_id` is a NaN of any numeric type (it matches no range bound, only `$type`). */
export function isNaNId(id: unknown, bson: BsonPort): boolean {
  return isNaNNumber(id, bson);
}

/**
 * Every type an `_id` can have, in MongoDB's order of types, each with the `$type` names that select
 * it. A range bound (`$gt`) stays within its own type's group; a read that must see every `_id`
 * moves from one group to the next with `$type`. Groups marked `single` hold one value at most
 * (`$gt` on them would not stay inside). Arrays, regular expressions and undefined cannot be `_id`s.
 */
export const ID_TYPE_ORDER: readonly {
  readonly types: readonly string[];
  /** The group's type rank in the BSON order (bson-order.ts), which decides which group an `_id` is in. */
  readonly rank: number;
  readonly single?: boolean;
}[] = [
  { types: ["minKey"], rank: TYPE_RANK.minKey, single: true },
  { types: ["null"], rank: TYPE_RANK.null, single: true },
  { types: ["number"], rank: TYPE_RANK.number },
  { types: ["string", "symbol"], rank: TYPE_RANK.string },
  { types: ["object"], rank: TYPE_RANK.object },
  { types: ["binData"], rank: TYPE_RANK.binData },
  { types: ["objectId"], rank: TYPE_RANK.objectId },
  { types: ["bool"], rank: TYPE_RANK.bool },
  { types: ["date"], rank: TYPE_RANK.date },
  { types: ["timestamp"], rank: TYPE_RANK.timestamp },
  { types: ["dbPointer"], rank: TYPE_RANK.dbPointer },
  { types: ["javascript"], rank: TYPE_RANK.javascript },
  { types: ["javascriptWithScope"], rank: TYPE_RANK.javascriptWithScope },
  { types: ["maxKey"], rank: TYPE_RANK.maxKey, single: true },
];

/**
 * The position of an `_id`'s type in ID_TYPE_ORDER, or undefined for a value no `_id` can hold
 * (undefined, an array, a regular expression). The group is the value's type rank in the BSON order,
 * so a value is grouped as it sorts and as BSON stores it.
 */
export function idTypeIndex(id: unknown, bson: BsonPort): number | undefined {
  if (id === undefined || Array.isArray(id)) return undefined;
  const rank = typeRank(id, bson);
  for (let k = 0; k < ID_TYPE_ORDER.length; k++) if (ID_TYPE_ORDER[k].rank === rank) return k;
  return undefined;
}

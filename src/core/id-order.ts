import type { BsonPort } from "./bson-port";
import { compareBson, isNaNNumber } from "./bson-order";

/**
 * The types an `_id` usually has (null, numbers, strings, ObjectId, booleans, dates), bracketed by
 * type as MongoDB brackets range queries: a bound of one type matches only that type. A parallel
 * snapshot plans ranges only over one of these; other types (documents, binary, ...) have no bracket.
 */
export const BRACKET = { null: 1, number: 2, string: 3, objectId: 7, boolean: 8, date: 9 } as const;

/** The bracket of a simple `_id`, or undefined for a complex one. */
export function idBracket(id: unknown, bson: BsonPort): number | undefined {
  if (id === null) return BRACKET.null;
  if (typeof id === "number") return BRACKET.number;
  if (typeof id === "string") return BRACKET.string;
  if (typeof id === "boolean") return BRACKET.boolean;
  if (id instanceof Date) return BRACKET.date;
  const type = bson.bsonType(id);
  if (type === "ObjectId") return BRACKET.objectId;
  if (type === "Int32" || type === "Double" || type === "Long" || type === "Decimal128") return BRACKET.number;
  return undefined;
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
export const ID_TYPE_ORDER: readonly { readonly types: readonly string[]; readonly single?: boolean }[] = [
  { types: ["minKey"], single: true },
  { types: ["null"], single: true },
  { types: ["number"] },
  { types: ["string", "symbol"] },
  { types: ["object"] },
  { types: ["binData"] },
  { types: ["objectId"] },
  { types: ["bool"] },
  { types: ["date"] },
  { types: ["timestamp"] },
  { types: ["dbPointer"] },
  { types: ["javascript"] },
  { types: ["javascriptWithScope"] },
  { types: ["maxKey"], single: true },
];

const TYPE_GROUP_OF_TAG: Readonly<Record<string, string>> = {
  MinKey: "minKey",
  MaxKey: "maxKey",
  Int32: "number",
  Double: "number",
  Long: "number",
  Decimal128: "number",
  BSONSymbol: "string",
  Symbol: "string",
  Binary: "binData",
  ObjectId: "objectId",
  ObjectID: "objectId",
  Timestamp: "timestamp",
  DBPointer: "dbPointer",
  DBRef: "object",
};

/** The position of an `_id`'s type in ID_TYPE_ORDER, or undefined for a value no `_id` can hold. */
export function idTypeIndex(id: unknown, bson: BsonPort): number | undefined {
  let group: string | undefined;
  if (id === null) group = "null";
  else if (typeof id === "number") group = "number";
  else if (typeof id === "string") group = "string";
  else if (typeof id === "boolean") group = "bool";
  else if (id instanceof Date) group = "date";
  else if (id !== undefined && typeof id === "object" && !Array.isArray(id) && !(id instanceof RegExp)) {
    const tag = bson.bsonType(id);
    if (tag === undefined) group = "object";
    else if (tag === "Code") group = (id as { scope?: unknown }).scope ? "javascriptWithScope" : "javascript";
    else group = TYPE_GROUP_OF_TAG[tag];
  }
  if (group === undefined) return undefined;
  for (let k = 0; k < ID_TYPE_ORDER.length; k++) if (ID_TYPE_ORDER[k].types[0] === group) return k;
  return undefined;
}

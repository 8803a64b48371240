import type { BsonPort } from "./bson-port";

/**
 * MongoDB's order of `_id` values for the types an `_id` usually has (null, numbers, strings,
 * ObjectId, booleans, dates), bracketed by type as MongoDB brackets them: a range bound of one type
 * matches only that type. Other types (documents, binary, ...) are "complex" and have no bracket here.
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

function numberOf(id: unknown, bson: BsonPort): number {
  if (typeof id === "number") return id;
  const type = bson.bsonType(id);
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
export function compareIds(a: unknown, b: unknown, bson: BsonPort): number {
  const ba = idBracket(a, bson) as number;
  const bb = idBracket(b, bson) as number;
  if (ba !== bb) return ba - bb;
  switch (ba) {
    case BRACKET.number: {
      const x = numberOf(a, bson);
      const y = numberOf(b, bson);
      // NaN sorts below every other number, as in MongoDB (and equals itself: one NaN _id at most).
      if (x !== x) return y !== y ? 0 : -1;
      if (y !== y) return 1;
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

/** Whether an `_id` is a NaN of any numeric type (it matches no range bound, only `$type`). */
export function isNaNId(id: unknown, bson: BsonPort): boolean {
  if (idBracket(id, bson) !== BRACKET.number) return false;
  const value = numberOf(id, bson);
  return value !== value;
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

import type { BsonPort } from "./bson-port";
import { numberKey, valueKey } from "./bson-order";

/**
 * A string equal for two _ids exactly when MongoDB would match them (its unique `_id` index): numbers
 * compare by exact value whatever their BSON type (Int32 1, Int64 1, Double 1.0 and Decimal128 1.00
 * are one _id; Int64 2^53 + 1 is not the double 2^53), a symbol as its string, and documents, binary
 * and the rest by their BSON order (bson-order.ts).
 */
export function idKey(id: unknown, bson: BsonPort): string {
  if (typeof id === "string") return `s:${id}`;
  if (typeof id === "number") return `n:${id}`;
  const type = bson.bsonType(id);
  if (type === "ObjectId") return `o:${(id as { toHexString(): string }).toHexString()}`;
  if (type === "Int32" || type === "Double" || type === "Long" || type === "Decimal128")
    return `n:${numberKey(id, bson)}`;
  if (type === "BSONSymbol" || type === "Symbol") return `s:${String((id as { valueOf(): unknown }).valueOf())}`;
  return `k:${valueKey(id, bson)}`;
}

/**
 * Whether `value` is an _id equal to `id`, whose key is `key` (as idKey(value) === key). Two
 * ObjectIds, nearly every change event's case, compare by their bytes without building a key.
 */
export function matchesId(value: unknown, id: unknown, key: string, bson: BsonPort): boolean {
  if (bson.bsonType(value) === "ObjectId" && bson.bsonType(id) === "ObjectId") {
    const equals = (id as { equals?: unknown }).equals;
    // Every js-bson ObjectId has equals; a runtime's own BSON that lacks it is compared by key.
    if (typeof equals === "function") return (equals as (other: unknown) => boolean).call(id, value);
  }
  return idKey(value, bson) === key;
}

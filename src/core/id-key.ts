import type { BsonPort } from "./bson-port";
import { isSafeInteger } from "./numbers";

/**
 * A string equal for two _ids exactly when MongoDB would match them: numbers compare by value
 * whatever their BSON type, everything else by type and canonical Extended JSON.
 */
export function idKey(id: unknown, bson: BsonPort): string {
  if (typeof id === "string") return `s:${id}`;
  if (typeof id === "number") return `n:${id}`;
  const type = bson.bsonType(id);
  if (type === "ObjectId") return `o:${(id as { toHexString(): string }).toHexString()}`;
  if (type === "Double" || type === "Int32") return `n:${(id as { valueOf(): number }).valueOf()}`;
  if (type === "Long") {
    const long = id as { toNumber(): number; toString(): string };
    const asNumber = long.toNumber();
    return isSafeInteger(asNumber) ? `n:${asNumber}` : `n:${long.toString()}`;
  }
  return `j:${bson.ejson.stringify({ v: id }, { relaxed: false })}`;
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

import type { BsonPort } from "../../bson-port";
import { isSafeInteger } from "../../numbers";

/**
 * An _id's key as versions before 2026-12-07 wrote it into delete positions, when it differs from
 * today's (idKey): for a Decimal128, an Int64 of 2^53 or more, and every type other than a string,
 * an ObjectId or a number. Step 3 of apply-changes.ts reads a document's row under this key too, so a
 * delete recorded before an upgrade still guards its document after it (CHANGELOG.md, "The _id key
 * changed their text"). Such rows expire as every delete position does
 * (DELETE_POSITION_RETENTION_S, 7 days): a release at least that long after every deployment took
 * this one can drop this module and its one call.
 */
export function legacyIdKey(id: unknown, bson: BsonPort): string | undefined {
  if (typeof id === "string" || typeof id === "number") return undefined;
  const type = bson.bsonType(id);
  if (type === "ObjectId" || type === "Double" || type === "Int32") return undefined;
  if (type === "Long") {
    const long = id as { toNumber(): number; toString(): string };
    return isSafeInteger(long.toNumber()) ? undefined : `n:${long.toString()}`;
  }
  return `j:${bson.ejson.stringify({ v: id }, { relaxed: false })}`;
}

import type { BsonPort } from "./bson-port";
import { isInteger, isSafeInteger } from "./numbers";

/**
 * Canonical Extended JSON of a value, the one writer every record, outbox entry and key goes
 * through. The host's EJSON writes a plain JS number that is a whole number as `$numberLong` with
 * its shortest decimal digits; beyond 2^53 that is another type and another value (2^62 becomes
 * 4611686018427388000, 2^63 a Long out of range). Such a number can only be a promoted Double (the
 * driver promotes an Int64 only when it fits in 53 bits), so it is written as the Double it is.
 * The walk runs only when the text holds a `$numberLong`, which most documents do not.
 */
export function canonicalEjson(value: unknown, bson: BsonPort): string {
  const text = bson.ejson.stringify(value, { relaxed: false });
  if (text.indexOf('"$numberLong"') === -1 || !holdsUnsafeInteger(value, bson, 0)) return text;
  return bson.ejson.stringify(withDoubles(value, bson, 0), { relaxed: false });
}

const MAX_DEPTH = 200;

function isUnsafeInteger(value: unknown): value is number {
  return typeof value === "number" && isInteger(value) && !isSafeInteger(value);
}

/** A plain document or array to walk into (not a BSON value, a Date or a buffer). */
function isContainer(value: unknown, bson: BsonPort): value is Record<string, unknown> | unknown[] {
  if (value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) return true;
  return bson.bsonType(value) === undefined && !(value instanceof Date) && !ArrayBuffer.isView(value);
}

function holdsUnsafeInteger(value: unknown, bson: BsonPort, depth: number): boolean {
  if (isUnsafeInteger(value)) return true;
  if (depth > MAX_DEPTH || !isContainer(value, bson)) return false;
  const items = Array.isArray(value) ? value : Object.keys(value).map((key) => value[key]);
  return items.some((item) => holdsUnsafeInteger(item, bson, depth + 1));
}

function withDoubles(value: unknown, bson: BsonPort, depth: number): unknown {
  if (isUnsafeInteger(value)) return new bson.lib.Double(value);
  if (depth > MAX_DEPTH || !isContainer(value, bson)) return value;
  if (Array.isArray(value)) return value.map((item) => withDoubles(item, bson, depth + 1));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = withDoubles(value[key], bson, depth + 1);
  return out;
}

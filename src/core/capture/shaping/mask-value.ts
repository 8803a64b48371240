import { canonicalEjson } from "../../canonical-ejson";
import { createHmac } from "crypto";
import type { BsonPort } from "../../bson-port";
import type { Document } from "../../ports";
import { isDate, isFieldDocument } from "./field-paths";
import { numberValue } from "./match-filter";

/** What a masked value looks like: "hmac:" and 43 base64url characters (HMAC-SHA256). */
export const MASKED_VALUE = /^hmac:[A-Za-z0-9_-]{43}$/;

/** The shortest CAPTURE_MASK_KEY accepted: 32 characters, so the key is not guessable. */
export const MIN_MASK_KEY_LENGTH = 32;

/**
 * A masked value: `"hmac:" + base64url(HMAC-SHA256(key, text))`, where text is the value's
 * canonical JSON. Equal values give equal masks in every document and collection (so joins on a
 * masked field still work), and nobody without the key can test a guess. Numbers mask by value
 * whatever their type (an int 5, a long 5 and a double 5.0 mask alike, as MongoDB finds them equal);
 * strings, dates, ObjectIds and other types each keep their type, so "5" and 5 differ; documents and
 * arrays mask as a whole, field order included.
 */
export function maskValue(value: unknown, key: string, bson: BsonPort): string {
  const digest = createHmac("sha256", key)
    .update(JSON.stringify(canonical(value, bson)), "utf8")
    .digest("base64");
  // No "base64url" encoding in App Services' Node 10 API.
  return `hmac:${digest.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}`;
}

function canonical(value: unknown, bson: BsonPort): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (Array.isArray(value)) return value.map((item) => canonical(item, bson));
  if (isDate(value)) return { $date: String(value.getTime()) };
  const type = bson.bsonType(value);
  if (typeof value === "number" || type === "Int32" || type === "Double" || type === "Long")
    return { $number: numberText(value, type, bson) };
  if (type === "ObjectId" || type === "ObjectID")
    return { $oid: (value as { toHexString(): string }).toHexString().toLowerCase() };
  if (type === "Decimal128") return { $numberDecimal: String(value) };
  if (type === undefined && isFieldDocument(value)) {
    const out: Document = {};
    for (const name of Object.keys(value)) out[name] = canonical(value[name], bson);
    return out;
  }
  // Binary, Timestamp and the rest: their canonical Extended JSON.
  return JSON.parse(canonicalEjson({ v: value }, bson)).v;
}

/** A number's value as text: a long exactly, others as the shortest text of the double ("5" for 5.0, "0" for -0). */
function numberText(value: unknown, type: string | undefined, bson: BsonPort): string {
  if (type === "Long") return String(value);
  const n = numberValue(value, bson);
  return n === 0 ? "0" : String(n);
}

import type { BsonPort } from "../bson-port";
import { decodedLength, InvalidFieldNameError, parseExtendedJson } from "../ejson/parse-extended-json";
import type { Document } from "../ports";
import type { FirehoseRecord } from "./request";

export type DecodedRecord =
  | { readonly kind: "document"; readonly index: number; readonly document: Document }
  | { readonly kind: "empty"; readonly index: number }
  | { readonly kind: "rejected"; readonly index: number; readonly reason: string; readonly data: unknown };

const REPLACEMENT_CHARACTER = "\uFFFD";

/**
 * base64 -> bytes -> strict UTF-8 -> Extended JSON -> document. A record that fails any step is
 * returned as "rejected" with a stable reason (no record content in it), so one bad record never
 * fails its batch.
 */
export function decodeRecord(record: FirehoseRecord, index: number, bson: BsonPort): DecodedRecord {
  const data = record !== null && typeof record === "object" ? record.data : undefined;
  if (typeof data !== "string") return rejected(index, "record has no base64 string in data", data);
  if (data.length === 0) return { kind: "empty", index };
  const bytes = Buffer.from(data, "base64");
  if (bytes.length !== decodedLength(data)) return rejected(index, "data is not valid base64", data);
  const text = bytes.toString("utf8");
  // Invalid UTF-8 decodes to U+FFFD; re-encoding tells a genuine U+FFFD from a replaced byte.
  if (text.indexOf(REPLACEMENT_CHARACTER) !== -1 && !Buffer.from(text, "utf8").equals(bytes)) {
    return rejected(index, "data is not valid UTF-8", data);
  }
  let value: unknown;
  try {
    value = parseExtendedJson(text, bson);
  } catch (error) {
    // JSON.parse messages quote the input, so only the library's own (content-free) messages pass.
    const reason =
      error instanceof SyntaxError ? "data is not valid JSON" : error instanceof InvalidFieldNameError ? error.message : `data is not valid Extended JSON: ${firstLine(error)}`;
    return rejected(index, reason, data);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value) || bson.bsonType(value) !== undefined) {
    return rejected(index, "data is not a JSON object", data);
  }
  const document = value as Document;
  for (const key in document) {
    if (key.charCodeAt(0) === 36 /* $ */) return rejected(index, `top-level field "${key.slice(0, 64)}" starts with "$"`, data);
  }
  if ("_id" in document) {
    const id = document._id;
    const type = bson.bsonType(id);
    if (Array.isArray(id) || id === undefined || type === "BSONRegExp" || id instanceof RegExp) {
      return rejected(index, "_id cannot be an array, a regular expression or undefined", data);
    }
  }
  return { kind: "document", index, document };
}

function rejected(index: number, reason: string, data: unknown): DecodedRecord {
  return { kind: "rejected", index, reason, data };
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0].slice(0, 200);
}

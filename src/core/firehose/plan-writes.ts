import type { BsonPort } from "../bson-port";
import { isSafeInteger } from "../numbers";
import type { Document, WriteOperation } from "../ports";
import type { DecodedRecord } from "./decode-record";

export interface PlannedWrites {
  /** One replace-by-_id upsert per distinct _id, in batch order of each _id's last record. */
  readonly operations: WriteOperation[];
  /** operations[i] came from record recordIndexes[i]. */
  readonly recordIndexes: number[];
  /** Records superseded by a later record with the same _id in this batch. */
  readonly superseded: number;
}

/**
 * Turns decoded documents into idempotent writes. A document keeps its _id; one without gets
 * `<requestId>:<index>`, which a retried batch (same request id) reproduces exactly. Within one
 * batch the last record for an _id wins, so the unordered bulk write has nothing left to order.
 */
export function planWrites(records: readonly DecodedRecord[], requestId: string, bson: BsonPort): PlannedWrites {
  const latest = new Map<string, { document: Document; index: number }>();
  let documents = 0;
  for (const record of records) {
    if (record.kind !== "document") continue;
    documents++;
    let document = record.document;
    if (!("_id" in document)) document = { _id: `${requestId}:${record.index}`, ...document };
    const key = idKey(document._id, bson);
    latest.delete(key); // re-inserting moves the key to the end: the last record decides the order
    latest.set(key, { document, index: record.index });
  }
  const operations: WriteOperation[] = [];
  const recordIndexes: number[] = [];
  latest.forEach(({ document, index }) => {
    operations.push({ replaceOne: { filter: { _id: document._id }, replacement: document, upsert: true } });
    recordIndexes.push(index);
  });
  return { operations, recordIndexes, superseded: documents - operations.length };
}

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

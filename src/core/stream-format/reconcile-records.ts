import type { BsonPort } from "../bson-port";
import type { Document } from "../ports";
import { PRODUCER_EXTRAS_FIELD } from "./record-field";

/**
 * The reconcile protocol's part of our stream's format (docs/record-format.md#reconcile-marks-and-closing-records):
 * the producer (capture's reconcile.ts) writes these records, the webhook (firehose's reconcile.ts)
 * reads them with the readers below.
 *
 * A reconcile is a snapshot whose reads carry `_akb: {reconcile: {id, part, seq}}`: the signal's id,
 * the part of the collection the read belongs to (a planned range's index within its collection, 0
 * when the collection is read in one part), and the read's sequence number within its part. After a
 * part's last read the producer puts one closing record:
 *
 *   {operationType: "reconcile", clusterTime: <read position>, wallTime, ns: {db, coll},
 *    _akb: {reconcile: {id, part, parts, sent, ranges: [[from, to], ...]}}}
 *
 * `parts` is how many parts the collection has, `ranges` the half-open ranges of sequence numbers
 * the part's reads used (one range unless a run died and its successor skipped numbers it might have
 * used), `sent` their total. A consumer that has applied every read of every part of a collection may
 * remove the documents of that collection it holds at a position older than the read position: the
 * source no longer has them.
 */
export const RECONCILE_OPERATION = "reconcile";

/** What a reconcile's read carries in `_akb.reconcile`. */
export interface ReadMarkFields {
  readonly id: string;
  readonly part: number;
  readonly seq: number;
}

/** What a closing record carries in `_akb.reconcile`. */
export interface ClosingFields {
  readonly id: string;
  readonly part: number;
  readonly parts: number;
  readonly sent: number;
  readonly ranges: readonly (readonly [number, number])[];
}

/** The partition key of a part's closing record (hashed like any key over 256 characters). */
export function closingPartitionKey(id: string, namespace: string, part: number): string {
  return `reconcile:${id}:${namespace}:${part}`;
}

/** A closing record as it goes on the stream (the producer's canonical Extended JSON of it). */
export function closingRecordDocument(
  fields: ClosingFields,
  ns: { db: string; coll: string },
  readPosition: unknown,
  wallTime: Date,
): Document {
  return {
    operationType: RECONCILE_OPERATION,
    clusterTime: readPosition,
    wallTime,
    ns,
    [PRODUCER_EXTRAS_FIELD]: { reconcile: fields },
  };
}

/**
 * Whether a record is a closing record: `operationType: "reconcile"` with an `ns` and the producer's
 * field, both objects. Anything else with that operation type is no closing (and a change event
 * format dead-letters its unknown operation).
 */
export function isClosingRecord(record: Document): boolean {
  return record.operationType === RECONCILE_OPERATION && isObject(record.ns) && isObject(record[PRODUCER_EXTRAS_FIELD]);
}

/** A read's reconcile mark with its source namespace ("db.coll"). */
export interface ReadMark extends ReadMarkFields {
  readonly ns: string;
}

/** The mark a read carries, or undefined (not a read, a plain snapshot's read, or a malformed mark). */
export function readMarkOf(record: Document, bson: BsonPort): ReadMark | undefined {
  if (record.operationType !== "read") return undefined;
  const extras = record[PRODUCER_EXTRAS_FIELD];
  const mark = isObject(extras) ? (extras as Document).reconcile : undefined;
  if (!isObject(mark)) return undefined;
  const { id, part, seq } = mark as Document;
  const ns = namespaceOf(record.ns);
  const partNumber = wholeNumber(part, bson);
  const seqNumber = wholeNumber(seq, bson);
  if (typeof id !== "string" || id === "" || ns === undefined || partNumber === undefined || seqNumber === undefined)
    return undefined;
  return { id, ns, part: partNumber, seq: seqNumber };
}

/** A closing record's fields, checked, with its namespace and read position (its clusterTime, a Timestamp). */
export interface Closing extends ClosingFields {
  readonly ns: string;
  readonly clusterTime: unknown;
}

/** A closing record's fields (see isClosingRecord), or why they are invalid. */
export function readClosingRecord(record: Document, bson: BsonPort): Closing | { readonly invalid: string } {
  const invalid = (why: string) => ({ invalid: why });
  const fields = (record[PRODUCER_EXTRAS_FIELD] as Document).reconcile;
  if (!isObject(fields)) return invalid(`no ${PRODUCER_EXTRAS_FIELD}.reconcile`);
  const { id, part, parts, sent, ranges } = fields as Document;
  const ns = namespaceOf(record.ns);
  if (ns === undefined) return invalid("no ns.db / ns.coll");
  if (typeof id !== "string" || id === "" || id.length > 512) return invalid("id must be a non-empty string");
  const partNumber = wholeNumber(part, bson);
  const partCount = wholeNumber(parts, bson);
  const sentCount = wholeNumber(sent, bson);
  if (partCount === undefined || partCount < 1) return invalid("parts must be a whole number of at least 1");
  if (partNumber === undefined || partNumber >= partCount) return invalid("part must be a whole number below parts");
  if (sentCount === undefined) return invalid("sent must be a whole number");
  const seqRanges = readRanges(ranges === undefined ? [[0, sentCount]] : ranges, bson);
  if (seqRanges === undefined) return invalid("ranges must be ascending [from, to] pairs of whole numbers");
  let total = 0;
  for (const range of seqRanges) total += range[1] - range[0];
  if (total !== sentCount) return invalid("sent must equal the numbers its ranges hold");
  if (bson.bsonType(record.clusterTime) !== "Timestamp") return invalid("clusterTime must be a Timestamp");
  return {
    id,
    ns,
    part: partNumber,
    parts: partCount,
    sent: sentCount,
    ranges: seqRanges,
    clusterTime: record.clusterTime,
  };
}

function readRanges(value: unknown, bson: BsonPort): [number, number][] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: [number, number][] = [];
  let end = 0;
  for (const pair of value) {
    if (!Array.isArray(pair) || pair.length !== 2) return undefined;
    const from = wholeNumber(pair[0], bson);
    const to = wholeNumber(pair[1], bson);
    if (from === undefined || to === undefined || from < end || to < from) return undefined;
    out.push([from, to]);
    end = to;
  }
  return out;
}

function namespaceOf(ns: unknown): string | undefined {
  if (!isObject(ns)) return undefined;
  const { db, coll } = ns as Document;
  return typeof db === "string" && db !== "" && typeof coll === "string" && coll !== "" ? `${db}.${coll}` : undefined;
}

/** A whole number from 0 to 2^53 however the parser typed it (number, Int32, Long, Double). */
function wholeNumber(value: unknown, bson: BsonPort): number | undefined {
  let n: number | undefined;
  if (typeof value === "number") n = value;
  else {
    const type = bson.bsonType(value);
    if (type === "Long") n = (value as { toNumber(): number }).toNumber();
    else if (type === "Int32" || type === "Double") n = (value as { valueOf(): number }).valueOf();
  }
  return n !== undefined && n >= 0 && n <= 9007199254740991 && Math.floor(n) === n ? n : undefined;
}

function isObject(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

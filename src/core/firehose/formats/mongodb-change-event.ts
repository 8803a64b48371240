import type { BsonPort } from "../../bson-port";
import type { Document } from "../../ports";
import { PRODUCER_EXTRAS_FIELD } from "../../stream-format/record-field";
import { degradedList, readChange, tokenData } from "./change-parts";
import type { Recognition, RecordFormat } from "./record-format";

/**
 * The marks of a change event: these top-level fields, and an `_id` that is a resume token (an object
 * with `_data`). A record with two marks or more is a change event, whatever their values; a record
 * with one mark or none is a plain document. A change event broken in any one part keeps at least
 * four marks (a MongoDB event has six or more, even our snapshot reads five), while a document of the
 * user's own with two of these names is rare, and its dead letter can be replayed where a change
 * event stored as data silently corrupts the mirror.
 */
export const CHANGE_EVENT_FIELDS = [
  "operationType",
  "ns",
  "documentKey",
  "clusterTime",
  "wallTime",
  "fullDocument",
  "fullDocumentBeforeChange",
  "updateDescription",
];

/**
 * MongoDB's change event, from any producer: a change stream, an Atlas trigger (our publisher, which
 * adds `_akb.degraded`), Atlas Stream Processing's `$emit` in canonicalJson, relaxedJson or basicJson
 * (the parser has already read the first two alike; basicJson's cluster time is epoch milliseconds),
 * the Kafka source connector. Once the marks make it a change event, it is applied or dead-lettered
 * (change-parts.ts), never stored as data.
 */
export const mongodbChangeEvent: RecordFormat = {
  name: "MongoDB change event (canonical, relaxed or basic JSON)",
  recognise(record: Document, bson: BsonPort): Recognition | undefined {
    if (!hasChangeEventMarks(record)) return undefined;
    const token = record._id === undefined ? "" : tokenData(record._id, "_id");
    const extras = record[PRODUCER_EXTRAS_FIELD] as { degraded?: unknown } | null | undefined;
    const degraded = degradedList(extras !== null && typeof extras === "object" ? extras.degraded : undefined);
    return readChange(record, { token, degraded }, bson);
  },
};

/**
 * Two marks or more (see CHANGE_EVENT_FIELDS). Read as named properties rather than by looping over
 * the list: a load by constant name is cached per record shape, while `in` with a computed name cost
 * about ten times the whole old check on plain documents. A parsed record holds no undefined values.
 */
export function hasChangeEventMarks(record: Document): boolean {
  const id = record._id;
  const marks =
    (id !== null && typeof id === "object" && (id as { _data?: unknown })._data !== undefined ? 1 : 0) +
    (record.operationType !== undefined ? 1 : 0) +
    (record.ns !== undefined ? 1 : 0) +
    (record.documentKey !== undefined ? 1 : 0) +
    (record.clusterTime !== undefined ? 1 : 0) +
    (record.wallTime !== undefined ? 1 : 0) +
    (record.fullDocument !== undefined ? 1 : 0) +
    (record.fullDocumentBeforeChange !== undefined ? 1 : 0) +
    (record.updateDescription !== undefined ? 1 : 0);
  return marks >= 2;
}

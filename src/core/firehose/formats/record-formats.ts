import type { BsonPort } from "../../bson-port";
import type { Document } from "../../ports";
import { legacyEnvelope } from "./legacy-envelope";
import { mongodbChangeEvent } from "./mongodb-change-event";
import { plainDocument } from "./plain-document";
import type { Recognition, RecordFormat } from "./record-format";

/**
 * Every format a record may be in, tried in this order: the first that claims the record decides
 * what it means. A new format is one module beside these (with its fixtures), placed before any format
 * that would otherwise claim its records: a snapshot's closing record (`operationType: "reconcile"`),
 * for example, goes before mongodbChangeEvent, which dead-letters an operationType it does not know.
 * plainDocument claims everything, so it stays last.
 */
export const RECORD_FORMATS: readonly RecordFormat[] = [legacyEnvelope, mongodbChangeEvent, plainDocument];

export function recogniseRecord(
  record: Document,
  bson: BsonPort,
  formats: readonly RecordFormat[] = RECORD_FORMATS,
): Recognition {
  for (let i = 0; i < formats.length; i++) {
    const recognition = formats[i].recognise(record, bson);
    if (recognition !== undefined) return recognition;
  }
  throw new Error("no record format claimed the record; the last format must claim every record");
}

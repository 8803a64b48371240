import type { BsonPort } from "../../bson-port";
import type { Document } from "../../ports";
import { refusal } from "../dead-letters/dead-letter-reasons";
import { legacyChange } from "./legacy-change";
import { mongodbChangeEvent } from "./mongodb-change-event";
import { plainDocument } from "./plain-document";
import { reconcileClosing } from "./reconcile-closing";
import { refused, type Recognition, type RecordFormat } from "./record-format";

/**
 * Every format a record may be in, tried in this order: the first that claims the record decides
 * what it means. A new format is one module beside these (with its fixtures), placed before any format
 * that would otherwise claim its records: a reconcile's closing record (`operationType: "reconcile"`),
 * for example, goes before mongodbChangeEvent, which dead-letters an operationType it does not know.
 * plainDocument claims everything, so it stays last.
 */
export const RECORD_FORMATS: readonly RecordFormat[] = [
  reconcileClosing,
  legacyChange,
  mongodbChangeEvent,
  plainDocument,
];

/** What the registry needs to know of the stream: which namespace is the heartbeat collection ("db.coll"). */
export interface StreamNamespaces {
  readonly heartbeatSource: string;
}

/**
 * The one decision of what a record is: a document, a change, a heartbeat (a change of the heartbeat
 * collection), a reconcile's closing, or a refusal. Planning switches on the kind and nowhere else.
 * (A reconcile read's mark is no kind: a read is a change that may carry one, readMarkOf.)
 */
export function recogniseRecord(
  record: Document,
  bson: BsonPort,
  stream: StreamNamespaces,
  formats: readonly RecordFormat[] = RECORD_FORMATS,
): Recognition {
  let recognition: Recognition | undefined;
  for (let i = 0; i < formats.length && recognition === undefined; i++)
    recognition = formats[i].recognise(record, bson);
  if (recognition === undefined)
    throw new Error("no record format claimed the record; the last format must claim every record");
  if (recognition.kind === "change" && recognition.change.source === stream.heartbeatSource)
    recognition = { kind: "heartbeat", change: recognition.change };
  else if (recognition.kind === "closing" && recognition.closing.ns === stream.heartbeatSource)
    recognition = refused(
      refusal(
        "reconcile_invalid",
        "reconcile closing record: the heartbeat collection is not mirrored: nothing to reconcile",
      ),
    );
  return recognition;
}

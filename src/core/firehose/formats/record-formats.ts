import type { BsonPort } from "../../bson-port";
import type { Document } from "../../ports";
import { readMarkOf, type ReadMark } from "../../stream-format/reconcile-records";
import { refusal } from "../dead-letters/dead-letter-reasons";
import { errorName } from "../protocol/decode-record";
import { legacyChange } from "./legacy-change";
import { mongodbChangeEvent } from "./mongodb-change-event";
import { plainDocument } from "./plain-document";
import { reconcileClosing } from "./reconcile-closing";
import type { Namespace } from "../apply/routing";
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

/** What a record is, and the reconcile mark it carries whatever became of it (a read's, see reconcile.ts). */
export type RecognisedRecord = Recognition & { readonly mark?: ReadMark };

/**
 * The one decision of what a record is: a document, a change, a heartbeat (a change of the heartbeat
 * collection), a reconcile's closing, or a refusal. Planning switches on the kind and nowhere else.
 */
export function recogniseRecord(
  record: Document,
  bson: BsonPort,
  stream: StreamNamespaces,
  formats: readonly RecordFormat[] = RECORD_FORMATS,
): RecognisedRecord {
  // The mark first: a read counts for its reconcile whatever becomes of it, a format's failure included.
  const mark = readMarkOf(record, bson);
  let recognition: Recognition | undefined;
  try {
    for (let i = 0; i < formats.length && recognition === undefined; i++)
      recognition = formats[i].recognise(record, bson);
  } catch (error) {
    // Whatever a record makes a format do wrong fails that record, never its batch.
    recognition = refused(refusal("record_failed", `reading the record's format failed: ${errorName(error)}`));
  }
  if (recognition === undefined)
    throw new Error("no record format claimed the record; the last format must claim every record");
  if (recognition.kind === "change" && isNamespace(recognition.change.ns, stream.heartbeatSource))
    recognition = { kind: "heartbeat", change: recognition.change };
  else if (recognition.kind === "closing" && recognition.closing.ns === stream.heartbeatSource)
    recognition = refused(
      refusal(
        "reconcile_invalid",
        "reconcile closing record: the heartbeat collection is kept as each app's latest heartbeat, not mirrored: nothing to reconcile",
      ),
    );
  return mark === undefined ? recognition : { ...recognition, mark };
}

/** Whether `ns` is the namespace "db.coll", without building the string for every change. */
function isNamespace(ns: Namespace | undefined, name: string): boolean {
  return (
    ns !== undefined &&
    name.length === ns.db.length + 1 + ns.coll.length &&
    name.charCodeAt(ns.db.length) === 46 /* . */ &&
    name.startsWith(ns.db) &&
    name.endsWith(ns.coll)
  );
}

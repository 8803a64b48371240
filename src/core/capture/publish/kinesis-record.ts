import { canonicalEjson } from "../../canonical-ejson";
import type { BsonPort } from "../../bson-port";
import { BridgeError } from "../../errors";
import type { Document } from "../../ports";
import type { CaptureConfig } from "../config";
import { partitionKeyFor } from "./partition-key";
import { PRODUCER_EXTRAS_FIELD } from "../../stream-format/record-field";
import { CAPTURE_ERRORS } from "../errors";

/** The change event App Services hands a database trigger (the change-stream event). */
export interface ChangeEvent {
  _id?: unknown;
  operationType: string;
  clusterTime?: unknown;
  wallTime?: unknown;
  ns?: { db: string; coll: string };
  documentKey?: { _id: unknown } & Document;
  fullDocument?: Document | null;
  updateDescription?: Document | null;
  fullDocumentBeforeChange?: Document | null;
  /** Our producer extras (`_akb`), e.g. `{outOfMatch: true}` on a change that left the capture match. */
  _akb?: Document;
}

export interface KinesisRecord {
  readonly partitionKey: string;
  /** UTF-8 JSON text of the record (canonical Extended JSON). */
  readonly data: string;
  /** Parts left out to fit the size limit, in the order they were dropped. */
  readonly degraded: readonly string[];
  /** Data plus partition key, in bytes, as Kinesis counts a record. */
  readonly bytes: number;
}

/** Raised when even the smallest form of a record is over the limit. */
export class RecordTooLargeError extends BridgeError {
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super("record_too_large", `record is ${bytes} bytes even without its documents, above the ${limit}-byte limit`, {
      kind: CAPTURE_ERRORS.record_too_large.kind,
    });
    this.name = "RecordTooLargeError";
  }
}

type Config = Pick<CaptureConfig, "recordFormat" | "arrayEncoding" | "nestedDocumentEncoding" | "maxRecordBytes">;

/**
 * One Kinesis record for one change event: MongoDB's own change-event document (or, in `document`
 * format, the document alone), in canonical Extended JSON so every BSON type survives, keyed by the
 * document's _id. The event keeps MongoDB's field names and nesting (`_id` is the resume token), so
 * change-stream consumers, Atlas Stream Processing and the Kafka connector's readers take it as it is.
 * A record over the limit loses updateDescription and the pre-image first, then the full document,
 * keeping the key and naming what it left out in `_akb.degraded`, so it is never silently dropped.
 */
export function buildKinesisRecord(event: ChangeEvent, config: Config, bson: BsonPort): KinesisRecord {
  const documentKey = event.documentKey || { _id: null };
  const partitionKey = partitionKeyFor(documentKey._id, bson);
  const keyBytes = Buffer.byteLength(partitionKey, "utf8");
  const forms = config.recordFormat === "document" ? documentForms(event) : changeEventForms(event);
  let last = 0;
  // Each smaller form is built only when the one before it is over the limit (nearly never).
  for (const form of forms) {
    const step =
      config.recordFormat === "document"
        ? documentStep(event, documentKey, form as DocumentForm)
        : changeEventStep(event, documentKey, form as ChangeEventForm);
    const data = serialise(step.value, step.encode, config, bson);
    last = Buffer.byteLength(data, "utf8") + keyBytes;
    if (last <= config.maxRecordBytes) return { partitionKey, data, degraded: step.degraded, bytes: last };
  }
  throw new RecordTooLargeError(last, config.maxRecordBytes);
}

interface Step {
  value: Document;
  /** Top-level fields whose documents get the array / nested-document encodings. */
  encode: string[];
  degraded: string[];
}

/** A change event whole, without its update description and pre-image, or without its full document too. */
type ChangeEventForm = "whole" | "without extras" | "without document";
const CHANGE_EVENT_ENCODE = ["fullDocument", "fullDocumentBeforeChange", "updateDescription"];

function changeEventForms(event: ChangeEvent): ChangeEventForm[] {
  const forms: ChangeEventForm[] = ["whole"];
  if (event.updateDescription != null || event.fullDocumentBeforeChange != null) forms.push("without extras");
  if (event.fullDocument != null) forms.push("without document");
  return forms;
}

function changeEventStep(event: ChangeEvent, documentKey: Document, form: ChangeEventForm): Step {
  // MongoDB's field order; snapshot reads have no resume token, so no _id.
  const value: Document = {};
  if (event._id !== undefined) value._id = event._id;
  value.operationType = event.operationType;
  if (event.clusterTime !== undefined) value.clusterTime = event.clusterTime;
  if (event.wallTime !== undefined) value.wallTime = event.wallTime;
  value.ns = event.ns;
  value.documentKey = documentKey;
  if (form !== "without document" && event.fullDocument != null) value.fullDocument = event.fullDocument;
  const degraded: string[] = [];
  if (event.updateDescription != null) {
    if (form === "whole") value.updateDescription = event.updateDescription;
    else degraded.push("updateDescription");
  }
  if (event.fullDocumentBeforeChange != null) {
    if (form === "whole") value.fullDocumentBeforeChange = event.fullDocumentBeforeChange;
    else degraded.push("fullDocumentBeforeChange");
  }
  if (form === "without document") degraded.push("fullDocument");
  // The extras come last, as they always have; "degraded" joins any the event already carries.
  const producerExtras = event[PRODUCER_EXTRAS_FIELD];
  if (degraded.length > 0) value[PRODUCER_EXTRAS_FIELD] = { ...(producerExtras || {}), degraded };
  else if (producerExtras && Object.keys(producerExtras).length > 0)
    value[PRODUCER_EXTRAS_FIELD] = { ...producerExtras };
  return { value, encode: CHANGE_EVENT_ENCODE, degraded };
}

/** A document alone, or its key when the document is over the limit. */
type DocumentForm = "whole" | "key only";

function documentForms(event: ChangeEvent): DocumentForm[] {
  return event.operationType === "delete" || event.fullDocument == null ? ["whole"] : ["whole", "key only"];
}

function documentStep(event: ChangeEvent, documentKey: Document, form: DocumentForm): Step {
  if (event.operationType === "delete") return { value: { ...documentKey, __deleted: true }, encode: [], degraded: [] };
  if (event.fullDocument == null)
    return { value: { ...documentKey, __fullDocumentMissing: true }, encode: [], degraded: [] };
  if (form === "whole") return { value: event.fullDocument, encode: ["."], degraded: [] };
  return { value: { ...documentKey, __degraded: ["fullDocument"] }, encode: [], degraded: ["fullDocument"] };
}

function serialise(value: Document, encode: string[], config: Config, bson: BsonPort): string {
  const text = canonicalEjson(value, bson);
  if (config.arrayEncoding === "array" && config.nestedDocumentEncoding === "document") return text;
  const tree = JSON.parse(text) as Document;
  if (encode[0] === ".") return JSON.stringify(encodeDocument(tree, config));
  for (const field of encode) {
    const part = tree[field];
    if (part && typeof part === "object" && !Array.isArray(part)) {
      tree[field] =
        field === "updateDescription"
          ? {
              ...(part as Document),
              updatedFields: encodeDocument(((part as Document).updatedFields as Document) || {}, config),
            }
          : encodeDocument(part as Document, config);
    }
  }
  return JSON.stringify(tree);
}

/**
 * Streamkap's encodings on a document already in canonical Extended JSON: arrays as JSON strings
 * (for mixed-type arrays), nested documents as JSON strings. Extended JSON wrappers ({"$oid": …})
 * are values, not documents, and stay as they are.
 */
function encodeDocument(document: Document, config: Config): Document {
  const out: Document = {};
  for (const key of Object.keys(document)) out[key] = encodeValue(document[key], config);
  return out;
}

function encodeValue(value: unknown, config: Config): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => encodeValue(item, config));
    return config.arrayEncoding === "array_string" ? JSON.stringify(value) : items;
  }
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length > 0 && keys[0].charCodeAt(0) === 36) return value; // an Extended JSON wrapper
    return config.nestedDocumentEncoding === "string"
      ? JSON.stringify(value)
      : encodeDocument(value as Document, config);
  }
  return value;
}

import type { BsonPort } from "../bson-port";
import type { Document } from "../ports";
import type { CaptureConfig } from "./config";
import { partitionKeyFor } from "./partition-key";
import { PRODUCER_EXTRAS_FIELD } from "../producer-extras";

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
  /** Our own additions to the record (a reconcile's read marks), kept under `_akb`. */
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
export class RecordTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`record is ${bytes} bytes even without its documents, above the ${limit}-byte limit`);
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
  const steps =
    config.recordFormat === "document" ? documentSteps(event, documentKey) : envelopeSteps(event, documentKey);
  let last = 0;
  for (const step of steps) {
    const data = serialise(step.value, step.encode, config, bson);
    last = Buffer.byteLength(data, "utf8") + Buffer.byteLength(partitionKey, "utf8");
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

function envelopeSteps(event: ChangeEvent, documentKey: Document): Step[] {
  // MongoDB's field order; snapshot reads have no resume token, so no _id.
  const base: Document = {};
  if (event._id !== undefined) base._id = event._id;
  base.operationType = event.operationType;
  if (event.clusterTime !== undefined) base.clusterTime = event.clusterTime;
  if (event.wallTime !== undefined) base.wallTime = event.wallTime;
  base.ns = event.ns;
  base.documentKey = documentKey;
  const withDocument = event.fullDocument != null ? { ...base, fullDocument: event.fullDocument } : base;
  const full: Document = { ...withDocument };
  const extras: string[] = [];
  if (event.updateDescription != null) {
    full.updateDescription = event.updateDescription;
    extras.push("updateDescription");
  }
  if (event.fullDocumentBeforeChange != null) {
    full.fullDocumentBeforeChange = event.fullDocumentBeforeChange;
    extras.push("fullDocumentBeforeChange");
  }
  const encode = ["fullDocument", "fullDocumentBeforeChange", "updateDescription"];
  const own = event[PRODUCER_EXTRAS_FIELD];
  const steps: Step[] = [{ value: own ? { ...full, [PRODUCER_EXTRAS_FIELD]: own } : full, encode, degraded: [] }];
  if (extras.length > 0)
    steps.push({
      value: { ...withDocument, [PRODUCER_EXTRAS_FIELD]: { ...own, degraded: extras } },
      encode,
      degraded: extras,
    });
  if (event.fullDocument != null) {
    const dropped = extras.concat("fullDocument");
    steps.push({
      value: { ...base, [PRODUCER_EXTRAS_FIELD]: { ...own, degraded: dropped } },
      encode,
      degraded: dropped,
    });
  }
  return steps;
}

function documentSteps(event: ChangeEvent, documentKey: Document): Step[] {
  if (event.operationType === "delete")
    return [{ value: { ...documentKey, __deleted: true }, encode: [], degraded: [] }];
  if (event.fullDocument == null)
    return [{ value: { ...documentKey, __fullDocumentMissing: true }, encode: [], degraded: [] }];
  return [
    { value: event.fullDocument, encode: ["."], degraded: [] },
    { value: { ...documentKey, __degraded: ["fullDocument"] }, encode: [], degraded: ["fullDocument"] },
  ];
}

function serialise(value: Document, encode: string[], config: Config, bson: BsonPort): string {
  const text = bson.ejson.stringify(value, { relaxed: false });
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

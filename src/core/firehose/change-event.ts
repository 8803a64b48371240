import type { BsonPort } from "../bson-port";
import type { Document } from "../ports";
import { PRODUCER_EXTRAS_FIELD } from "../producer-extras";
import { refusal, type Refusal } from "./dead-letter-reasons";

/** Our records before they spoke MongoDB's change-event format; still accepted. */
export const LEGACY_ENVELOPE_KIND = "atlas-kinesis-bridge/change@1";

/** Snapshot reads without a cluster time (from producers before the read position) rank as of their
 * wall time minus this margin, so a change made after the read is never ranked below it even with
 * some clock skew. */
export const READ_POSITION_MARGIN_S = 60;

/** A change event reduced to what the mirror needs, whoever produced it. */
export interface ChangeToApply {
  readonly ns: { readonly db: string; readonly coll: string };
  readonly operationType: "insert" | "replace" | "update" | "read" | "delete";
  /** documentKey._id: the mirrored document's _id. */
  readonly id: unknown;
  /** Sorts like the changes of one document; see changePosition. */
  readonly position: string;
  readonly fullDocument?: Document;
  readonly updateDescription?: Document;
  /** Parts the producer left out to fit its record size limit. */
  readonly degraded: readonly string[];
  /** basicJson (Atlas Stream Processing): BSON types were already lost by the producer. */
  readonly basicJson: boolean;
}

const DOCUMENT_OPERATIONS = ["insert", "replace", "update", "read", "delete"];
/** Change-stream events about a collection or database rather than a document. */
const NAMESPACE_OPERATIONS = [
  "drop",
  "rename",
  "dropDatabase",
  "invalidate",
  "create",
  "createIndexes",
  "dropIndexes",
  "modify",
  "shardCollection",
  "reshardCollection",
  "refineCollectionShardKey",
  "createSearchIndexes",
  "dropSearchIndexes",
  "updateSearchIndex",
];

/**
 * Recognises a MongoDB change event by its shape, from any producer: a change stream, an Atlas
 * trigger (our publisher), Atlas Stream Processing's `$emit` in canonical, relaxed or basic JSON, the
 * Kafka source connector. The shape is `operationType` and `ns`, plus `documentKey` or `clusterTime`
 * (snapshot reads: `wallTime`). Returns undefined for anything else (a plain document), a refusal
 * for a change event that cannot be applied.
 */
export function readChange(record: Document, bson: BsonPort): ChangeToApply | Refusal | undefined {
  if (!isChangeEvent(record)) return undefined;
  const operationType = record.operationType as string;
  if (NAMESPACE_OPERATIONS.indexOf(operationType) !== -1) {
    return refusal(
      "change_namespace_event",
      `"${operationType}" events are not applied to a mirror; apply them to the target yourself if intended`,
    );
  }
  if (DOCUMENT_OPERATIONS.indexOf(operationType) === -1) {
    return refusal(
      "change_unknown_operation",
      `operationType "${operationType.slice(0, 40)}" is not one this receiver knows`,
    );
  }
  const ns = record.ns as { db?: unknown; coll?: unknown };
  if (typeof ns.db !== "string" || ns.db === "" || typeof ns.coll !== "string" || ns.coll === "")
    return refusal("change_no_namespace");
  const documentKey = record.documentKey as Document | null | undefined;
  if (!documentKey || typeof documentKey !== "object" || !("_id" in documentKey) || documentKey._id === undefined) {
    return refusal("change_no_document_key");
  }
  const position = changePosition(record, bson);
  if (position === undefined) return refusal("change_no_position");
  const full = record.fullDocument;
  const description = record.updateDescription;
  return {
    ns: { db: ns.db, coll: ns.coll },
    operationType: operationType as ChangeToApply["operationType"],
    id: documentKey._id,
    position,
    fullDocument: isDocument(full, bson) ? full : undefined,
    updateDescription: isDocument(description, bson) ? description : undefined,
    degraded: degradedParts(record),
    basicJson: numberValue(record.clusterTime, bson) !== undefined,
  };
}

export function isChangeEvent(record: Document): boolean {
  if (record.kind === LEGACY_ENVELOPE_KIND) return true;
  if (typeof record.operationType !== "string") return false;
  const ns = record.ns;
  if (ns === null || typeof ns !== "object") return false;
  return (
    "documentKey" in record || "clusterTime" in record || (record.operationType === "read" && "wallTime" in record)
  );
}

/**
 * A string that sorts like the changes of one document: cluster time seconds and increment (8 hex
 * digits each), then the resume token, which orders events that share a cluster time (a transaction).
 *
 * basicJson carries the cluster time as milliseconds (its increment is lost), so the seconds come
 * from it and the increment from the resume token, whose keystring starts with the same Timestamp
 * (type byte 0x82, then seconds and increment).
 *
 * A snapshot read carries the snapshot's read position R0 as its clusterTime (capture/reconcile.ts)
 * and ranks at R0 with the suffix "read", which sorts after every resume token (hex digits) at the
 * same cluster time: the read contains every change committed at or before R0, and loses to every
 * change after it. Reads without a clusterTime rank by wall time (see the margin).
 */
export function changePosition(record: Document, bson: BsonPort): string | undefined {
  const token = record.operationType === "read" ? "read" : resumeToken(record);
  const time = record.clusterTime;
  if (time !== undefined && time !== null && bson.bsonType(time) === "Timestamp") {
    const { t, i } = timestampParts(time);
    return `${hex8(t)}${hex8(i)}:${token}`;
  }
  const millis = numberValue(time, bson);
  if (millis !== undefined && millis >= 0) {
    const t = Math.floor(millis / 1000);
    const fromToken = tokenTimestamp(token);
    const i = fromToken && fromToken.t === t ? fromToken.i : 0;
    return `${hex8(t)}${hex8(i)}:${token}`;
  }
  if (record.operationType === "read") {
    const wall = record.wallTime instanceof Date ? record.wallTime.getTime() : numberValue(record.wallTime, bson);
    if (wall === undefined || !isFinite(wall)) return undefined;
    const seconds = Math.floor(wall / 1000) - READ_POSITION_MARGIN_S;
    return `${hex8(Math.max(0, seconds))}${hex8(0)}:read`;
  }
  return undefined;
}

/** A number however the parser typed it (basicJson's epoch milliseconds read back as Long or Double). */
function numberValue(value: unknown, bson: BsonPort): number | undefined {
  if (typeof value === "number") return isFinite(value) ? value : undefined;
  const type = bson.bsonType(value);
  if (type === "Long") return (value as { toNumber(): number }).toNumber();
  if (type === "Int32" || type === "Double") return (value as { valueOf(): number }).valueOf();
  return undefined;
}

function resumeToken(record: Document): string {
  // MongoDB's events carry the token as _id; our legacy envelopes called it resumeToken.
  const token = (record.kind === LEGACY_ENVELOPE_KIND ? record.resumeToken : record._id) as
    { _data?: unknown } | null | undefined;
  return token && typeof token === "object" && typeof token._data === "string" ? token._data : "";
}

function tokenTimestamp(token: string): { t: number; i: number } | undefined {
  if (token.length < 18 || token.slice(0, 2) !== "82") return undefined;
  const t = parseInt(token.slice(2, 10), 16);
  const i = parseInt(token.slice(10, 18), 16);
  return isFinite(t) && isFinite(i) ? { t, i } : undefined;
}

function timestampParts(value: unknown): { t: number; i: number } {
  const ts = value as { t?: number; i?: number; getHighBits?(): number; getLowBits?(): number };
  if (typeof ts.t === "number" && typeof ts.i === "number") return { t: ts.t, i: ts.i };
  // Older BSON libraries: high 32 bits are the seconds, low 32 bits the increment.
  return { t: (ts.getHighBits as () => number)() >>> 0, i: (ts.getLowBits as () => number)() >>> 0 };
}

function hex8(value: number): string {
  return (value >>> 0).toString(16).padStart(8, "0");
}

function degradedParts(record: Document): string[] {
  const extras = record[PRODUCER_EXTRAS_FIELD] as { degraded?: unknown } | undefined;
  const list =
    extras && typeof extras === "object"
      ? extras.degraded
      : record.kind === LEGACY_ENVELOPE_KIND
        ? record.degraded
        : undefined;
  return Array.isArray(list) ? list.filter((part): part is string => typeof part === "string") : [];
}

function isDocument(value: unknown, bson: BsonPort): value is Document {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    bson.bsonType(value) === undefined &&
    !(value instanceof Date)
  );
}

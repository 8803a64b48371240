import type { BsonPort } from "../bson-port";
import type { Document } from "../ports";

/**
 * The reserved top-level field the webhook keeps in every document it writes from a change envelope:
 * `_akb: { pos: "<position>" }`, plus `deleted: true, deletedAt` on a tombstone. The position orders
 * changes of one document; storing it in the document makes "apply only if newer" one conditional write.
 */
export const POSITION_FIELD = "_akb";

/** Snapshot reads have no cluster time; they rank as of their wall time minus this margin, so a
 * change made after the read is never ranked below it even with some clock skew. */
export const READ_POSITION_MARGIN_S = 60;

/**
 * A string that sorts like the change it names: cluster time seconds and increment (8 hex digits
 * each), then the resume token, which orders events that share a cluster time (a transaction).
 * Undefined when the envelope carries neither a cluster time nor a wall time.
 */
export function envelopePosition(envelope: Document, bson: BsonPort): string | undefined {
  const token = envelope.resumeToken as { _data?: unknown } | undefined;
  const tokenText = token && typeof token._data === "string" ? token._data : "";
  const time = envelope.clusterTime;
  if (time !== undefined && time !== null && bson.bsonType(time) === "Timestamp") {
    const { t, i } = timestampParts(time);
    return `${hex8(t)}${hex8(i)}:${tokenText}`;
  }
  if (envelope.wallTime instanceof Date && envelope.operationType === "read") {
    const seconds = Math.floor(envelope.wallTime.getTime() / 1000) - READ_POSITION_MARGIN_S;
    return `${hex8(Math.max(0, seconds))}${hex8(0)}:read`;
  }
  return undefined;
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

/** Matches a document that has no position yet, or an older one than `position`. */
export function olderThan(id: unknown, position: string): Document {
  return { _id: id, $or: [{ [`${POSITION_FIELD}.pos`]: { $exists: false } }, { [`${POSITION_FIELD}.pos`]: { $lt: position } }] };
}

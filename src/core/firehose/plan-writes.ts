import type { BsonPort } from "../bson-port";
import { idKey } from "../id-key";
import type { Document, WriteOperation } from "../ports";
import { ENVELOPE_KIND } from "../capture/envelope";
import type { DecodedRecord } from "./decode-record";
import { envelopePosition, olderThan, POSITION_FIELD } from "./envelope-position";
import type { Namespace, Routing } from "./routing";

export interface TargetWrites {
  readonly target: Namespace;
  readonly operations: WriteOperation[];
  /** operations[i] came from record recordIndexes[i]. */
  readonly recordIndexes: number[];
  /** operations[i] is guarded by position: a duplicate-key error on _id means "stale, skipped". */
  readonly guarded: boolean[];
}

export interface PlannedWrites {
  readonly targets: TargetWrites[];
  /** Records superseded by a later (or, for envelopes, newer) record for the same _id in this batch. */
  readonly superseded: number;
  /** Records that are well-formed JSON but cannot be applied (see reasons). */
  readonly rejected: { index: number; reason: string }[];
  readonly heartbeats: number;
}

interface Candidate {
  target: Namespace;
  operation: WriteOperation;
  index: number;
  position?: string;
}

/**
 * Turns decoded records into idempotent writes, grouped by target collection.
 * - A plain document is replaced by _id (upsert). One without _id gets `<requestId>:<index>`, which a
 *   retried batch (same request id) reproduces exactly. Within the batch the last record wins.
 * - A change envelope is applied only if newer than what the target holds (see envelope-position.ts);
 *   within the batch the newest envelope of a document wins.
 * - A heartbeat envelope updates the liveness record of its app instead of being stored as data.
 */
export function planWrites(records: readonly DecodedRecord[], requestId: string, bson: BsonPort, routing: Routing, now: number): PlannedWrites {
  // Target namespace (by object identity: routing hands out the same objects) -> _id key -> winner.
  const chosen = new Map<Namespace, Map<string, Candidate>>();
  const rejected: { index: number; reason: string }[] = [];
  let candidates = 0;
  let winners = 0;
  let heartbeats = 0;
  for (const record of records) {
    if (record.kind !== "document") continue;
    let candidate: Candidate | { reject: string };
    let id: unknown;
    if (record.document.kind === ENVELOPE_KIND) {
      candidate = envelopeCandidate(record.document, record.index, bson, routing, now);
      if ("target" in candidate) {
        if (candidate.target === routing.livenessTarget) heartbeats++;
        id = operationFilter(candidate.operation)._id;
      }
    } else {
      let document = record.document;
      if (!("_id" in document)) document = { _id: `${requestId}:${record.index}`, ...document };
      id = document._id;
      candidate = {
        target: routing.defaultTarget,
        operation: { replaceOne: { filter: { _id: id }, replacement: document, upsert: true } },
        index: record.index,
      };
    }
    if ("reject" in candidate) {
      rejected.push({ index: record.index, reason: candidate.reject });
      continue;
    }
    candidates++;
    let byId = chosen.get(candidate.target);
    if (!byId) {
      byId = new Map();
      chosen.set(candidate.target, byId);
    }
    const key = idKey(id, bson);
    const previous = byId.get(key);
    if (previous && previous.position !== undefined && candidate.position !== undefined && previous.position > candidate.position) continue;
    if (previous) byId.delete(key); // re-inserting moves the key to the end: the winning record decides the order
    else winners++;
    byId.set(key, candidate);
  }
  const targets: TargetWrites[] = [];
  chosen.forEach((byId, target) => {
    const group: TargetWrites = { target, operations: [], recordIndexes: [], guarded: [] };
    byId.forEach((candidate) => {
      group.operations.push(candidate.operation);
      group.recordIndexes.push(candidate.index);
      group.guarded.push(candidate.position !== undefined);
    });
    targets.push(group);
  });
  return { targets, superseded: candidates - winners, rejected, heartbeats };
}

function operationFilter(operation: WriteOperation): Document {
  if ("replaceOne" in operation) return operation.replaceOne.filter;
  if ("updateOne" in operation) return operation.updateOne.filter;
  throw new Error("unexpected operation");
}

function envelopeCandidate(envelope: Document, index: number, bson: BsonPort, routing: Routing, now: number): Candidate | { reject: string } {
  const ns = envelope.ns as { db?: unknown; coll?: unknown } | undefined;
  const documentKey = envelope.documentKey as Document | undefined;
  if (!ns || typeof ns.db !== "string" || typeof ns.coll !== "string") return { reject: "change envelope has no ns" };
  if (!documentKey || !("_id" in documentKey)) return { reject: "change envelope has no documentKey._id" };
  const position = envelopePosition(envelope, bson);
  if (position === undefined) return { reject: "change envelope has neither clusterTime nor (for reads) wallTime" };
  const source = `${ns.db}.${ns.coll}`;
  const id = documentKey._id;
  const full = envelope.fullDocument as Document | null | undefined;
  const operationType = envelope.operationType;

  if (source === routing.heartbeatSource) {
    if (!full) return { reject: "heartbeat envelope without its document" };
    const at = full.at instanceof Date ? full.at : null;
    const liveness = {
      _id: id,
      app: full.app === undefined ? null : full.app,
      lastHeartbeatAt: at,
      receivedAt: new Date(now),
      lagMs: at ? now - at.getTime() : null,
      outboxDepth: full.outboxDepth === undefined ? null : full.outboxDepth,
      lastSuccessfulPutAt: full.lastSuccessfulPutAt === undefined ? null : full.lastSuccessfulPutAt,
      [POSITION_FIELD]: { pos: position },
    };
    return { target: routing.livenessTarget, operation: { replaceOne: { filter: olderThan(id, position), replacement: liveness, upsert: true } }, index, position };
  }

  const target = routing.namespaceMap.get(source) || routing.defaultTarget;
  switch (operationType) {
    case "insert":
    case "replace":
    case "update":
    case "read":
      if (full) {
        const replacement = { ...full, _id: id, [POSITION_FIELD]: { pos: position } };
        return { target, operation: { replaceOne: { filter: olderThan(id, position), replacement, upsert: true } }, index, position };
      }
      if (operationType === "update" && envelope.updateDescription && !isDegraded(envelope, "updateDescription")) {
        return { target, operation: { updateOne: { filter: olderThan(id, position), update: updateFrom(envelope.updateDescription as Document, position) } }, index, position };
      }
      return {
        reject: isDegraded(envelope, "fullDocument")
          ? "change envelope was published without its document (over the record size limit); re-read it from the source"
          : `${String(operationType)} envelope without fullDocument`,
      };
    case "delete":
      return {
        target,
        operation: { replaceOne: { filter: olderThan(id, position), replacement: { _id: id, [POSITION_FIELD]: { pos: position, deleted: true, deletedAt: new Date(now) } }, upsert: true } },
        index,
        position,
      };
    default:
      return { reject: `unsupported operationType "${String(operationType).slice(0, 40)}" in change envelope` };
  }
}

function isDegraded(envelope: Document, part: string): boolean {
  return Array.isArray(envelope.degraded) && envelope.degraded.indexOf(part) !== -1;
}

function updateFrom(description: Document, position: string): Document {
  const set: Document = { ...((description.updatedFields as Document) || {}), [`${POSITION_FIELD}.pos`]: position };
  const unset: Document = {};
  for (const field of (description.removedFields as string[]) || []) unset[field] = "";
  return Object.keys(unset).length > 0 ? { $set: set, $unset: unset } : { $set: set };
}
